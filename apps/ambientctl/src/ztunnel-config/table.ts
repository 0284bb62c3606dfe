// A table before formatting: the headers and rows each ztunnel-config view produces, printed by formatTable.
export interface Table {
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}
