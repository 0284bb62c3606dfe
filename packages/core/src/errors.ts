// The error convention: one base class per package, a stable string code per condition, and an
// instanceof check that still works when two copies of a package are loaded (source and dist).

const BRAND = Symbol.for('@ambient/error');
const FAMILIES = Symbol.for('@ambient/error.families');

interface Branded {
  [BRAND]?: true;
  [FAMILIES]?: readonly string[];
}

/**
 * Base of every error the project throws on purpose. Subclasses set `static family` (e.g. 'HBONE') and pass codes
 * from their own registry (e.g. 'HBONE_ERR_BAD_AUTHORITY'). Messages tell an operator what to check.
 */
export class AmbientError<C extends string = string> extends Error {
  static readonly family: string = 'AMBIENT';
  readonly code: C;
  declare readonly [BRAND]: true;
  declare readonly [FAMILIES]: readonly string[];

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
    Object.defineProperty(this, FAMILIES, { value: familiesOf(new.target) });
  }

  /** Brand check by family name, so it holds across duplicate copies of a package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const branded = value as Branded;
    if (branded[BRAND] !== true) return false;
    return (branded[FAMILIES] ?? []).includes((this as typeof AmbientError).family);
  }

  toJSON(): { name: string; code: C; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

function familiesOf(ctor: abstract new (...args: never[]) => unknown): string[] {
  const families: string[] = [];
  for (let c: unknown = ctor; typeof c === 'function' && 'family' in c; c = Object.getPrototypeOf(c)) {
    families.push((c as typeof AmbientError).family);
  }
  return families;
}

/** True when `err` is an AmbientError with this exact code. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof AmbientError && err.code === code;
}
