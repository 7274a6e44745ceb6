/** Every permission the platform knows, as `resource:action`. Roles may only grant these. */
export const PERMISSIONS = [
  'conversations:read',
  'conversations:write',
  'conversations:read_all',
  'sales:query',
  'sales:query_detail',
  'reports:generate',
  'users:manage',
  'roles:manage',
  'audit:read',
  'flags:read',
  'flags:write',
  'flags:approve',
  'metrics:read',
  'metrics:write',
  'suggest:read',
  'suggest:write',
  'apikeys:manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

const KNOWN: ReadonlySet<string> = new Set(PERMISSIONS);

export function isPermission(value: string): value is Permission {
  return KNOWN.has(value);
}

/** The roles every tenant starts with. Their grants are fixed; custom roles are edited freely. */
export const BUILTIN_ROLES: Readonly<Record<'admin' | 'analyst' | 'guest', readonly Permission[]>> = {
  admin: PERMISSIONS,
  analyst: [
    'conversations:read',
    'conversations:write',
    'sales:query',
    'sales:query_detail',
    'reports:generate',
    'flags:read',
    'metrics:read',
    'suggest:read',
    'suggest:write',
  ],
  guest: ['conversations:read', 'conversations:write', 'sales:query', 'suggest:read'],
};

export const BUILTIN_ROLE_NAMES = Object.keys(BUILTIN_ROLES) as (keyof typeof BUILTIN_ROLES)[];
