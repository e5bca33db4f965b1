import { twilioVoiceChannel } from './index.js';
import { gatherTwiml, goodbyeTwiml, parseCallStatus } from './voice.js';

const actionUrl = 'https://verity.example.nhs.uk/webhooks/twilio/voice/gather?delivery=d1&tenant=t1';
const sid = 'CA' + 'c'.repeat(32);
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}\\b[^>]*>`).exec(xml)?.[0];
}

describe('gatherTwiml', () => {
  const confirm = gatherTwiml({
    say: 'Someone is signing in to your NHS account. Press hash to approve, or 0 then hash to deny.',
    digits: 0,
    actionUrl,
  });

  it('answers XML TwiML', () => {
    expect(confirm.contentType).toMatch(/^text\/xml/);
    expect(confirm.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Response>.*<\/Response>$/);
  });

  it('gathers keys until # and posts them to the action URL, reading the greeting inside the Gather', () => {
    const gather = tag(confirm.body, 'Gather');
    expect(gather).toContain('input="dtmf"');
    expect(gather).toContain('finishOnKey="#"');
    expect(gather).toContain('method="POST"');
    expect(gather).toContain('timeout="10"');
    expect(gather).toContain(`action="${actionUrl.replace(/&/g, '&amp;')}"`);
    expect(gather).not.toContain('numDigits');
    expect(confirm.body).toMatch(
      /<Gather [^>]*><Say language="en-GB">Someone is signing in to your NHS account\. Press hash to approve, or 0 then hash to deny\.<\/Say><\/Gather>/,
    );
  });

  it('says goodbye and hangs up when no key is pressed', () => {
    expect(confirm.body).toMatch(
      /<\/Gather><Say language="en-GB">We did not receive any input\. Goodbye\.<\/Say><Hangup\/><\/Response>$/,
    );
  });

  it('collects a fixed number of keys when asked for a code', () => {
    const code = gatherTwiml({ say: 'Enter the 6 digit number shown on screen.', digits: 6, actionUrl });
    expect(tag(code.body, 'Gather')).toContain('numDigits="6"');
    expect(tag(code.body, 'Gather')).toContain('finishOnKey="#"');
  });

  it('escapes what it says', () => {
    expect(gatherTwiml({ say: 'A & B <C>', digits: 0, actionUrl }).body).toContain('A &amp; B &lt;C&gt;');
  });
});

describe('goodbyeTwiml', () => {
  it('says the last words and hangs up', () => {
    expect(goodbyeTwiml('Sign-in approved. Goodbye.').body).toMatch(
      /<Response><Say language="en-GB">Sign-in approved\. Goodbye\.<\/Say><Hangup\/><\/Response>$/,
    );
  });
});

describe('parseCallStatus', () => {
  it.each([
    ['queued', 'sent'],
    ['ringing', 'sent'],
    ['in-progress', 'sent'],
    ['completed', 'delivered'],
    ['busy', 'failed'],
    ['no-answer', 'failed'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
  ])('reads %s as %s, with an event id per SID and status', (callStatus, status) => {
    expect(parseCallStatus(form({ CallSid: sid, CallStatus: callStatus }))[0]).toMatchObject({
      providerMessageId: sid,
      status,
      eventId: `${sid}:${callStatus}`,
    });
  });

  it('names why a call failed', () => {
    expect(parseCallStatus(form({ CallSid: sid, CallStatus: 'busy' }))[0]?.errorCode).toBe('busy');
    expect(parseCallStatus(form({ CallSid: sid, CallStatus: 'completed' }))[0]).not.toHaveProperty(
      'errorCode',
    );
  });

  it('ignores a callback without a SID or with an unknown status', () => {
    expect(parseCallStatus(form({ CallStatus: 'completed' }))).toEqual([]);
    expect(parseCallStatus(form({ CallSid: sid, CallStatus: 'teleported' }))).toEqual([]);
  });
});

describe('twilioVoiceChannel', () => {
  const channel = twilioVoiceChannel.create({
    accountSid: 'AC' + '0'.repeat(32),
    authToken: 't',
    from: '+447700900001',
  });

  it('reads the keys pressed from a Gather callback', () => {
    expect(
      channel.parseKeypress?.({ url: actionUrl, headers: {}, rawBody: form({ CallSid: sid, Digits: '0#' }) }),
    ).toEqual({
      providerMessageId: sid,
      digits: '0#',
    });
    expect(channel.parseKeypress?.({ url: actionUrl, headers: {}, rawBody: form({ CallSid: sid }) })).toEqual(
      {
        providerMessageId: sid,
        digits: '',
      },
    );
  });
});
