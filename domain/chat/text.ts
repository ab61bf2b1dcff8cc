// Text clean-up before the grammar runs: typos we have seen people make, quotes, a.m./p.m.
// Case and the user's own spelling of titles are kept; only the words below change.
const TYPOS: Record<string, string> = {
  tommorow: 'tomorrow', tommorrow: 'tomorrow', tomorow: 'tomorrow', tomorrw: 'tomorrow', tmrw: 'tomorrow', tmr: 'tomorrow', tmrow: 'tomorrow',
  tonite: 'tonight', tonigth: 'tonight', todya: 'today', '2day': 'today',
  remidn: 'remind', remmind: 'remind', rmind: 'remind', remaind: 'remind', remnid: 'remind',
  shwo: 'show', sohw: 'show', lsit: 'list',
  delte: 'delete', deleet: 'delete', dlete: 'delete',
  compelte: 'complete', complet: 'complete', finsh: 'finish',
  resched: 'reschedule', reschedul: 'reschedule',
  wensday: 'wednesday', wendsday: 'wednesday', thrusday: 'thursday', thurday: 'thursday', fridya: 'friday', firday: 'friday',
  mondya: 'monday', mondy: 'monday', tuseday: 'tuesday', tusday: 'tuesday', saturady: 'saturday', sundya: 'sunday',
  priorty: 'priority', prioirty: 'priority', prority: 'priority', priortiy: 'priority',
  evrey: 'every', evry: 'every', eveyr: 'every',
  hte: 'the', taks: 'task', tsak: 'task', tasks_: 'tasks',
  weekyl: 'weekly', weelky: 'weekly', dialy: 'daily', montly: 'monthly',
  overdeu: 'overdue', ovedue: 'overdue',
};

const TYPO_PATTERN = new RegExp(String.raw`\b(${Object.keys(TYPOS).join('|')})\b`, 'gi');

/** The message with typos fixed, quotes straightened, a.m./p.m. joined, spaces collapsed. */
export function normalizeMessage(message: string): string {
  return message
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201F\u2033]/g, '"')
    .replace(/\b([ap])\.m\.?/gi, (_, letter: string) => `${letter}m`)
    .replace(TYPO_PATTERN, (word) => TYPOS[word.toLowerCase()] ?? word)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!?]+$/, '')
    .trim();
}

/** Removes the given spans (index, text) from `text`, longest-first safe: each is blanked in place. */
export function cutSpans(text: string, spans: { index: number; text: string }[]): string {
  const chars = [...text];
  for (const { index, text: span } of spans) {
    for (let i = index; i < index + span.length && i < chars.length; i++) chars[i] = ' ';
  }
  return chars.join('');
}

const LEADING = [
  /^(?:please|pls|plz|kindly|can you|could you|would you|hey|ok|okay)[\s,]+/i,
  /^(?:add|create|make|new|schedule|set up|setup|put|save|log|note)\b[\s:]*/i,
  /^(?:me\s+)?(?:a|an|the|my|new|one|another)\s+/i,
  /^(?:task|todo|to-do|to do|item|reminder|entry)s?\b\s*(?::|-|called|named|titled|for|to)?\s*/i,
  /^(?:called|named|titled)\s+/i,
  /^(?:to|about|of|that|for)\s+/i,
  /^[\s:,;-]+/,
];
const TRAILING = [
  /\s*\b(?:task|todo|to-do|item|reminder)s?$/i,
  /\s*\b(?:on|at|by|due|for|from|starting|in|and|to|every|with|the)$/i,
  /[\s:,;-]+$/,
  /\s*\bplease$/i,
];

/** A title out of what is left once every recognised phrase is cut: fillers and quotes dropped. */
export function cleanTitle(rest: string): string {
  let title = rest.replace(/\s+/g, ' ').trim();
  for (let changed = true; changed; ) {
    changed = false;
    for (const pattern of [...LEADING, ...TRAILING]) {
      const next = title.replace(pattern, '').trim();
      if (next !== title && next.length > 0) {
        title = next;
        changed = true;
      }
    }
  }
  title = title.replace(/\s+,/g, ',').replace(/,\s*,/g, ',');
  const quoted = /^["'](.+)["']$/.exec(title);
  return (quoted ? quoted[1]! : title).replace(/\s+/g, ' ').trim();
}

/** "the dentist task" → "dentist": how a user names a task they mean. */
export function cleanTarget(text: string): string {
  let target = text.replace(/\s+/g, ' ').trim();
  const quoted = /["']([^"']+)["']/.exec(target);
  if (quoted) return quoted[1]!.trim();
  for (let changed = true; changed; ) {
    changed = false;
    for (const pattern of [/^(?:the|my|a|an|that|this|our|task|todo)\s+/i, /\s+(?:task|todo|to-do|item|one|please|for me|as well)$/i, /^(?:called|named)\s+/i, /[\s,.]+$/]) {
      const next = target.replace(pattern, '').trim();
      if (next !== target && next.length > 0) {
        target = next;
        changed = true;
      }
    }
  }
  return target;
}
