// The workspace lint config, minus typecheck's declaration output (its `#private;` stubs trip no-unused-private-class-members).
import base from '../../eslint.config.mjs';

export default [{ ignores: ['out-tsc/**'] }, ...base];
