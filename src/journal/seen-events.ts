/** Wildix event ids seen: an event retried by the PBX is acted on once. */
export interface SeenEvents {
  firstSeen(id: string, type: string, at: number): Promise<boolean>;
  forget(id: string): Promise<void>;
}
