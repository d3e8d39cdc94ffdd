// Room names: one per lot (its watchers in this process and, through the adapter, in all of them) and
// one per person (their own sockets, for personal events).
export const lotRoom = (lotId: number): string => `lot:${lotId}`;
export const personRoom = (pid: string): string => `p:${pid}`;
export const LOT_ROOM_PREFIX = 'lot:';
