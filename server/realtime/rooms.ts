// Room names: one per lot (its watchers in this process and, through the adapter, in all of them),
// one per person (their own sockets, for personal events, and to disconnect them when their roles
// change), one per auction organisation (the sockets of its managers as they connected: its lots'
// registrations; issue 19) and one per browser session (its sockets, to disconnect them at sign-out).
export const lotRoom = (lotId: number): string => `lot:${lotId}`;
export const personRoom = (pid: string): string => `p:${pid}`;
export const organisationRoom = (organisationId: number): string => `o:${organisationId}`;
/** By the session's id hash (what the database keeps), never by the cookie value itself. */
export const sessionRoom = (idHash: string): string => `s:${idHash}`;
export const LOT_ROOM_PREFIX = 'lot:';
