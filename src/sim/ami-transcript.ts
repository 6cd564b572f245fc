/**
 * Server messages of a real Asterisk 13 (fixtures/ami), as templates. `{{name}}` is
 * replaced per call; everything else is byte for byte what Asterisk sent.
 */
export const BANNER = 'Asterisk Call Manager/13.0.0\r\n';

export const LOGIN_OK = 'Response: Success\r\nActionID: {{id}}\r\nMessage: Authentication accepted\r\n\r\n';
export const LOGIN_FAILED = 'Response: Error\r\nActionID: {{id}}\r\nMessage: Authentication failed\r\n\r\n';
export const NOT_AUTHENTICATED = 'Response: Error\r\nActionID: {{id}}\r\nMessage: Authentication Required\r\n\r\n';
export const PONG = 'Response: Success\r\nActionID: {{id}}\r\nPing: Pong\r\nTimestamp: {{timestamp}}\r\n\r\n';
export const ORIGINATE_QUEUED =
  'Response: Success\r\nActionID: {{id}}\r\nMessage: Originate successfully queued\r\n\r\n';
export const INVALID_CHANNEL = 'Response: Error\r\nActionID: {{id}}\r\nMessage: Invalid channel\r\n\r\n';
export const GOODBYE = 'Response: Goodbye\r\nActionID: {{id}}\r\nMessage: Thanks for all the fish.\r\n\r\n';

const channelFields =
  'Privilege: call,all\r\nChannel: {{channel}}-{{seq}};{{leg}}\r\nChannelState: {{state}}\r\nChannelStateDesc: {{stateDesc}}\r\n' +
  'CallerIDNum: {{cid}}\r\nCallerIDName: {{cid}}\r\nConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\n' +
  'Language: en\r\nAccountCode: \r\nContext: {{context}}\r\nExten: {{exten}}\r\nPriority: 1\r\n' +
  'Uniqueid: {{uniqueid}}\r\nLinkedid: {{linkedid}}\r\n';

export const NEWCHANNEL = `Event: Newchannel\r\n${channelFields}\r\n`;
export const NEWSTATE_UP = `Event: Newstate\r\n${channelFields}\r\n`;

export const ORIGINATE_RESPONSE_SUCCESS =
  'Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: {{id}}\r\nResponse: Success\r\n' +
  'Channel: {{channel}}-{{seq}};1\r\nApplication: {{application}}\r\nData: {{data}}\r\nReason: 4\r\n' +
  'Uniqueid: {{uniqueid}}\r\nCallerIDNum: {{cid}}\r\nCallerIDName: {{cid}}\r\n\r\n';

export const ORIGINATE_RESPONSE_FAILURE =
  'Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: {{id}}\r\nResponse: Failure\r\n' +
  'Channel: {{channel}}\r\nApplication: {{application}}\r\nData: {{data}}\r\nReason: {{reason}}\r\n' +
  'Uniqueid: <unknown>\r\nCallerIDNum: <unknown>\r\nCallerIDName: <unknown>\r\n\r\n';

export const HANGUP = `Event: Hangup\r\n${channelFields}Cause: 16\r\nCause-txt: Normal Clearing\r\n\r\n`;

/**
 * Not in our recordings: Asterisk's own source (main/manager.c, do_message) answers a message
 * with a line over 1024 bytes, or over 128 lines, this way and runs nothing of it.
 */
export const LINE_TOO_LONG =
  'Response: Error\r\nActionID: {{id}}\r\nMessage: Failed to parse message: line too long\r\n\r\n';
export const TOO_MANY_LINES =
  'Response: Error\r\nActionID: {{id}}\r\nMessage: Too many lines in message or allocation failure\r\n\r\n';

/**
 * Claims from inside a conference, room membership and calls to people (Asterisk 22.10.1:
 * fixtures/ami/claim-*.jsonl and escalation-noanswer-busy-answer.jsonl).
 */
export const PERMISSION_DENIED = 'Response: Error\r\nActionID: {{id}}\r\nMessage: Permission denied\r\n\r\n';
export const NO_CONFERENCE =
  'Response: Error\r\nActionID: {{id}}\r\nMessage: No Conference by that name found.\r\n\r\n';
export const CONFBRIDGE_LIST_START =
  'Response: Success\r\nActionID: {{id}}\r\nEventList: start\r\nMessage: Confbridge user list will follow\r\n\r\n';
/** Not in the recordings: app_confbridge.c's answers when no room is open at all, or none named. */
export const NO_ACTIVE_CONFERENCES = 'Response: Error\r\nActionID: {{id}}\r\nMessage: No active conferences.\r\n\r\n';
export const NO_CONFERENCE_NAME =
  'Response: Error\r\nActionID: {{id}}\r\nMessage: No Conference name provided.\r\n\r\n';
export const CONFBRIDGE_LIST_ROOMS_START =
  'Response: Success\r\nActionID: {{id}}\r\nEventList: start\r\nMessage: Confbridge conferences will follow\r\n\r\n';

/** A channel in a room, as Asterisk 22 describes it (caller id and connected line known). */
const memberFields =
  'Channel: {{channel}}\r\nChannelState: 6\r\nChannelStateDesc: Up\r\nCallerIDNum: {{cidNum}}\r\nCallerIDName: {{cidName}}\r\n' +
  'ConnectedLineNum: {{cidNum}}\r\nConnectedLineName: {{cidName}}\r\nLanguage: en\r\nAccountCode: \r\n' +
  'Context: {{context}}\r\nExten: {{exten}}\r\nPriority: {{priority}}\r\nUniqueid: {{uniqueid}}\r\nLinkedid: {{linkedid}}\r\n';

const bridgeFields =
  'Conference: {{room}}\r\nBridgeUniqueid: {{bridgeId}}\r\nBridgeType: base\r\nBridgeTechnology: softmix\r\n' +
  'BridgeCreator: ConfBridge\r\nBridgeName: {{room}}\r\nBridgeNumChannels: {{bridgeChannels}}\r\nBridgeVideoSourceMode: none\r\n';

export const CONFBRIDGE_JOIN = `Event: ConfbridgeJoin\r\nPrivilege: call,all\r\n${bridgeFields}${memberFields}Admin: No\r\nMuted: No\r\n\r\n`;
export const CONFBRIDGE_LEAVE = `Event: ConfbridgeLeave\r\nPrivilege: call,all\r\n${bridgeFields}${memberFields}Admin: No\r\n\r\n`;

export const CONFBRIDGE_LIST_ITEM =
  'Event: ConfbridgeList\r\nActionID: {{id}}\r\nConference: {{room}}\r\nAdmin: No\r\nMarkedUser: No\r\nWaitMarked: No\r\n' +
  'EndMarked: No\r\nEndMarkedAny: No\r\nWaiting: No\r\nMuted: No\r\nTalking: No\r\nAnsweredTime: {{answeredTime}}\r\n' +
  `${memberFields}\r\n`;
export const CONFBRIDGE_LIST_COMPLETE =
  'Event: ConfbridgeListComplete\r\nActionID: {{id}}\r\nEventList: Complete\r\nListItems: {{count}}\r\n\r\n';
export const CONFBRIDGE_LIST_ROOMS_ITEM =
  'Event: ConfbridgeListRooms\r\nActionID: {{id}}\r\nConference: {{room}}\r\nParties: {{parties}}\r\nMarked: 0\r\nLocked: No\r\nMuted: No\r\n\r\n';
export const CONFBRIDGE_LIST_ROOMS_COMPLETE =
  'Event: ConfbridgeListRoomsComplete\r\nActionID: {{id}}\r\nEventList: Complete\r\nListItems: {{count}}\r\n\r\n';

/** The key press on the staff channel (class dtmf), then the UserEvent its menu raises (class user). */
export const DTMF_BEGIN = `Event: DTMFBegin\r\nPrivilege: dtmf,all\r\n${memberFields}Digit: {{digit}}\r\nDirection: Received\r\n\r\n`;
export const DTMF_END = `Event: DTMFEnd\r\nPrivilege: dtmf,all\r\n${memberFields}Digit: {{digit}}\r\nDurationMs: 100\r\nDirection: Received\r\n\r\n`;
/** The channel's snapshot (now in the claim context), then the body the dialplan gave. */
export const USER_EVENT_CLAIM =
  `Event: UserEvent\r\nPrivilege: user,all\r\n${memberFields}UserEvent: VeesionClaim\r\n` +
  'Room: {{room}}\r\nCallerIDNum: {{cidNum}}\r\nCallerIDName: {{cidName}}\r\n\r\n';

/** A call to a person that was not answered: no channel left, the Originate's caller id kept. */
export const ORIGINATE_RESPONSE_NOT_ANSWERED =
  'Event: OriginateResponse\r\nPrivilege: call,all\r\nActionID: {{id}}\r\nResponse: Failure\r\n' +
  'Channel: {{channel}}\r\nApplication: {{application}}\r\nData: {{data}}\r\nReason: {{reason}}\r\n' +
  'Uniqueid: <unknown>\r\nCallerIDNum: {{cid}}\r\nCallerIDName: {{cid}}\r\n\r\n';

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => values[k] ?? '');
}
