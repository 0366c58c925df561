import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { detailsOf, isMongosafeError, messageOf } from '../errors.js';
import { redactUri, scrubSecrets } from '../util/redact.js';
import type { LambdaLogger } from './logger.js';

/** What the handler knows about a failed invocation. */
export interface FailureReport {
  functionName: string;
  requestId: string;
  action: string;
  error: unknown;
  /** s3://bucket/prefix, when the configuration got that far. */
  destination?: string;
  databases: readonly string[];
  scheduledTime?: string;
  /** Values to cut out of the text: the connection string and its password. */
  secrets: readonly string[];
}

export interface FailureMessage {
  subject: string;
  message: string;
}

// SNS refuses a subject over 100 characters.
const MAX_SUBJECT = 100;
const CONNECTION_STRING = /mongodb(?:\+srv)?:\/\/[^\s'"]+/g;

/**
 * The text of the one failure notification: what failed, where (the error's
 * details: namespace, key, backup id, kind of cause), the error line and hint,
 * and the commands that show what the last good backup is.
 * Never the connection string or password: URIs are redacted and every known
 * secret value is cut out.
 */
export function failureMessage(report: FailureReport): FailureMessage {
  const code = isMongosafeError(report.error) ? report.error.code : 'INTERNAL';
  const hint = isMongosafeError(report.error) ? report.error.hint : undefined;
  const errorLine = messageOf(report.error);
  const details = detailsOf(report.error);
  const what = report.action === 'backup' ? 'backup' : `${report.action} (restore drill)`;
  const lines = [
    `The mongosafe ${what} run by Lambda function ${report.functionName} failed.`,
    '',
    `Database(s): ${report.databases.length > 0 ? report.databases.join(', ') : 'all user databases'}`,
    ...(details.namespace ? [`Namespace: ${details.namespace}`] : []),
    ...(report.destination ? [`Destination: ${report.destination}`] : []),
    ...(details.key ? [`Key: ${details.key}`] : []),
    ...(details.backupId ? [`Backup id: ${details.backupId}`] : []),
    ...(details.kind ? [`Cause: ${details.kind}`] : []),
    ...(report.scheduledTime ? [`Scheduled run: ${report.scheduledTime}`] : []),
    `Error (${code}): ${errorLine}`,
    ...(hint ? [`Hint: ${hint}`] : []),
    '',
  ];
  if (report.destination) {
    lines.push(
      'The last complete backup is still there. To see it:',
      `  mongosafe list --from ${report.destination}`,
      `  mongosafe inspect latest --from ${report.destination}`,
      `  mongosafe verify latest --from ${report.destination}`,
      '',
    );
  }
  lines.push(`Logs: CloudWatch log group /aws/lambda/${report.functionName}, request ${report.requestId}.`);
  const clean = (text: string) => scrubSecrets(text.replace(CONNECTION_STRING, (uri) => redactUri(uri)), report.secrets);
  const subject = clean(`mongosafe ${report.action === 'backup' ? 'backup' : report.action} FAILED: ${report.functionName}`);
  return { subject: subject.length > MAX_SUBJECT ? `${subject.slice(0, MAX_SUBJECT - 3)}...` : subject, message: clean(lines.join('\n')) };
}

/**
 * Publishes the notification. A failure to publish is logged and swallowed:
 * it must never replace the error that made the invocation fail.
 */
export async function publishFailure(client: SNSClient, topicArn: string, report: FailureReport, logger: LambdaLogger): Promise<void> {
  const { subject, message } = failureMessage(report);
  try {
    await client.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
    logger.info('failure notification sent', { topicArn });
  } catch (error) {
    logger.error('failure notification could not be sent', { topicArn, error: messageOf(error), hint: 'grant sns:Publish on the topic to the function role' });
  }
}
