// @ambient/spiffe: SPIFFE identities, X.509-SVIDs, the mesh CA, the CA service logic, the secret manager, peer verification.
export {};
