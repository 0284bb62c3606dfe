// @ambient/xds-client: Delta ADS client: resource types, watchers, ACK/NACK, reconnect, on-demand lookups.
export {};
