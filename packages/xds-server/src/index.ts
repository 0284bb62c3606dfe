// @ambient/xds-server: Delta ADS server: subscriptions, per-resource versions, pushes, ACK/NACK bookkeeping and sync status.
export {};
