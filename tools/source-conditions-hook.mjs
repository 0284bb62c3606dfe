// Module resolve hook: resolves @ambient/* packages to their TypeScript source (the "@ambient/source" export).
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes('@ambient/source')
    ? context.conditions
    : ['@ambient/source', ...context.conditions];
  return nextResolve(specifier, { ...context, conditions });
}
