// @ambient/l4-authz: ztunnel-exact L4 authorization: policy model, evaluation, indexed store, xDS and YAML conversion, explanations.
export {};
