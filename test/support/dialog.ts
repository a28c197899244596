import { textOf, type FakeTelegram, type FakeUser, type RecordedCall } from "./fakeTelegram.js";

/**
 * Reads the bot's replies to this chat in order until one contains `fragment`
 * (skipping earlier ones such as edits and notices); fails with what was seen.
 */
export async function replyContaining(tg: FakeTelegram, chatId: number, fragment: string, timeout = 5000): Promise<RecordedCall> {
  const seen: string[] = [];
  const deadline = Date.now() + timeout;
  for (;;) {
    const left = deadline - Date.now();
    let call: RecordedCall;
    try {
      call = await tg.nextReply(chatId, { timeout: Math.max(left, 1) });
    } catch {
      throw new Error(`no reply containing ${JSON.stringify(fragment)} in chat ${chatId}; saw:\n- ${seen.join("\n- ")}`);
    }
    const text = textOf(call);
    seen.push(`${call.method}: ${text.slice(0, 120)}`);
    if (text.includes(fragment)) return call;
  }
}

/** Presses a button (by its label) on the latest bot message that has it, then waits for the text that follows. */
export async function press(tg: FakeTelegram, user: FakeUser, label: string, expectFragment?: string): Promise<RecordedCall | undefined> {
  tg.pressButtonByText(user, label);
  return expectFragment ? replyContaining(tg, user.id, expectFragment) : undefined;
}

export async function say(tg: FakeTelegram, user: FakeUser, text: string, expectFragment: string, timeout?: number): Promise<RecordedCall> {
  tg.sendText(user, text);
  return replyContaining(tg, user.id, expectFragment, timeout);
}
