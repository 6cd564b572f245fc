/**
 * Server messages of a real Asterisk 13 (fixtures/ami), as templates. `{{name}}` is
 * replaced per call; everything else is byte for byte what Asterisk sent.
 */
export const BANNER = 'Asterisk Call Manager/13.0.0\r\n';

export const LOGIN_OK = 'Response: Success\r\nActionID: {{id}}\r\nMessage: Authentication accepted\r\n\r\n';
export const LOGIN_FAILED = 'Response: Error\r\nActionID: {{id}}\r\nMessage: Authentication failed\r\n\r\n';
export const NOT_AUTHENTICATED = 'Response: Error\r\nActionID: {{id}}\r\nMessage: Authentication Required\r\n\r\n';
export const PONG = 'Response: Success\r\nActionID: {{id}}\r\nPing: Pong\r\nTimestamp: {{timestamp}}\r\n\r\n';
export const ORIGINATE_QUEUED = 'Response: Success\r\nActionID: {{id}}\r\nMessage: Originate successfully queued\r\n\r\n';
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

export const HANGUP =
  `Event: Hangup\r\n${channelFields}Cause: 16\r\nCause-txt: Normal Clearing\r\n\r\n`;

export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => values[k] ?? '');
}
