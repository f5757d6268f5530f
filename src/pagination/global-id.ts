import { badInput } from '../errors';

/** Relay global ids: base64url of `Type:id`, opaque to clients. */
export function toGlobalId(type: string, id: number | string): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export function fromGlobalId(globalId: string): { type: string; id: string } | null {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || Buffer.from(decoded, 'utf8').toString('base64url') !== globalId.replace(/=+$/, '')) return null;
  return { type: decoded.slice(0, colon), id: decoded.slice(colon + 1) };
}

/** Decodes an id argument that must name a row of `type`; a wrong id is a BAD_USER_INPUT naming the argument. */
export function decodeId(argument: string, globalId: string, type: string): number {
  const parsed = fromGlobalId(globalId);
  if (!parsed || !/^\d{1,10}$/.test(parsed.id)) throw badInput(argument, `"${globalId}" is not a valid ${type} id`);
  if (parsed.type !== type) throw badInput(argument, `"${globalId}" is a ${parsed.type} id, expected a ${type} id`);
  const id = Number(parsed.id);
  if (id > 2_147_483_647) throw badInput(argument, `"${globalId}" is not a valid ${type} id`);
  return id;
}
