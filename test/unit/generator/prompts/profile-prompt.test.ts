import { renderChatTemplate } from '../../../../src/ingest/chat-template';
import { renderProfilePrompt, stereotypeMessages } from '../../../../generator/prompts/profile-prompt';
import { DEFAULT_SYSTEM_PROMPTS, STEREOTYPE_KEYS } from '../../../../generator/prompts/system-prompts';
import type { HistoryEntry, PromptItem, StereotypeFeatures } from '../../../../generator/types';

// The stereotypes' stored feature lists (migrations/1763600000000-Initial.ts).
const ALL = ['Genres', 'Keywords', 'Actors', 'Directors', 'Overview', 'Review', 'Collection', 'Visual Caption'];
const FEATURES: Record<string, StereotypeFeatures> = {
  'Cold-Start Browser': { historyBlock: false, historyFeatures: [], targetVisibility: 'full', targetFeatures: ['Genres', 'Keywords'] },
  'Cold-Start Task-Oriented': {
    historyBlock: false,
    historyFeatures: [],
    targetVisibility: 'full',
    targetFeatures: ['Genres', 'Keywords', 'Actors', 'Directors', 'Overview', 'Collection', 'Visual Caption'],
  },
  'History-Only Explorer': { historyBlock: true, historyFeatures: ['Genres', 'Keywords'], targetVisibility: 'titleAndId', targetFeatures: [] },
  'History + Hint Seeker': { historyBlock: true, historyFeatures: ['Genres', 'Keywords'], targetVisibility: 'full', targetFeatures: ['Genres', 'Keywords'] },
  'Fully Expressive Seeker': { historyBlock: true, historyFeatures: ALL, targetVisibility: 'full', targetFeatures: ALL },
};

function item(asin: string, title: string, genres: string[], keywords: string[], extra: Partial<PromptItem> = {}): PromptItem {
  return { asin, title, cleanedTitle: title, genres, keywords, cast: [], directors: [], overview: null, collection: null, visualCaption: null, ...extra };
}

const paddington: HistoryEntry = {
  ...item('B0FAKE0001', 'Paddington', ['Comedy', 'Family'], ['bear', 'london'], {
    cast: ['Ben Whishaw', 'Hugh Bonneville'],
    directors: ['Paul King'],
    overview: 'A young bear travels from Peru to London.',
    collection: 'Paddington Collection',
    visualCaption: 'A bear in a red hat on a rainy street.',
    review: { title: 'Lovely', text: 'Sweet, funny and beautifully shot.' },
  }),
  rating: 5,
};
const haunting: HistoryEntry = { ...item('B0FAKE0002', 'The Haunting Hour', ['Horror'], ['haunted house']), rating: 2 };
const shaun: HistoryEntry = { ...item('B0FAKE0004', 'Shaun the Sheep Movie', ['Animation', 'Comedy'], ['sheep', 'farm']), rating: 4 };
const paddington2 = item('B0FAKE0003', 'Paddington 2', ['Comedy', 'Adventure'], ['bear', 'prison'], {
  cast: ['Ben Whishaw', 'Hugh Grant'],
  directors: ['Paul King'],
  overview: 'Paddington is framed for a theft and sent to prison.',
  collection: 'Paddington Collection',
  visualCaption: 'A bear in a striped prison uniform.',
  review: { title: 'Even better', text: 'Warmer and funnier than the first one.' },
});
const history = [paddington, haunting, shaun];

describe('renderProfilePrompt (docs/pipeline.md §4)', () => {
  it('reproduces the §4.4 example byte for byte', () => {
    const expected = [
      'The user has interacted with the following items:\n',
      'User liked the following items:\n',
      'Item: Paddington, ID: <id_B0FAKE0001>\n',
      'Genres: Comedy, Family\n',
      'Keywords: bear, london\n',
      '\n',
      'Item: Shaun the Sheep Movie, ID: <id_B0FAKE0004>\n',
      'Genres: Animation, Comedy\n',
      'Keywords: sheep, farm\n',
      '\n',
      '\n',
      'User disliked the following items:\n',
      'Item: The Haunting Hour, ID: <id_B0FAKE0002>\n',
      'Genres: Horror\n',
      'Keywords: haunted house\n',
      '\n',
      '\n',
      '\n',
      'Consider the following one the target item to recommend:\n',
      'Item: Paddington 2, ID: <id_B0FAKE0003>\n',
      'Genres: Comedy, Adventure\n',
      'Keywords: bear, prison',
    ].join('');
    expect(renderProfilePrompt({ features: FEATURES['History + Hint Seeker'], history, target: paddington2 })).toBe(expected);
  });

  it('renders only the four target lines for a Cold-Start Browser', () => {
    const prompt = renderProfilePrompt({ features: FEATURES['Cold-Start Browser'], history, target: paddington2 });
    expect(prompt).toBe(
      'Consider the following one the target item to recommend:\nItem: Paddington 2, ID: <id_B0FAKE0003>\nGenres: Comedy, Adventure\nKeywords: bear, prison',
    );
  });

  it('renders every feature of the Fully Expressive Seeker in the fixed order, actors and directors included (D1 fix)', () => {
    const prompt = renderProfilePrompt({ features: FEATURES['Fully Expressive Seeker'], history: [paddington], target: paddington2 });
    expect(prompt).toBe(
      [
        'The user has interacted with the following items:',
        'User liked the following items:',
        'Item: Paddington, ID: <id_B0FAKE0001>',
        'Genres: Comedy, Family',
        'Keywords: bear, london',
        'Actors: Ben Whishaw, Hugh Bonneville',
        'Directors: Paul King',
        'Collection: Paddington Collection',
        'Overview: A young bear travels from Peru to London.',
        'Visual Caption: A bear in a red hat on a rainy street.',
        'User Review Title: Lovely',
        'User Review: Sweet, funny and beautifully shot.',
        '',
        '',
        '',
        'Consider the following one the target item to recommend:',
        'Item: Paddington 2, ID: <id_B0FAKE0003>',
        'Genres: Comedy, Adventure',
        'Keywords: bear, prison',
        'Actors: Ben Whishaw, Hugh Grant',
        'Directors: Paul King',
        'Collection: Paddington Collection',
        'Overview: Paddington is framed for a theft and sent to prison.',
        'Visual Caption: A bear in a striped prison uniform.',
        'User Review Title: Even better',
        'User Review: Warmer and funnier than the first one.',
      ].join('\n'),
    );
  });

  it('drops the actors and directors lines with legacyFeatureKeys, and nothing else', () => {
    const args = { features: FEATURES['Fully Expressive Seeker'], history: [paddington], target: paddington2 };
    const fixed = renderProfilePrompt(args);
    const legacy = renderProfilePrompt({ ...args, legacyFeatureKeys: true });
    expect(legacy).not.toMatch(/^(Actors|Directors):/m);
    expect(legacy).toBe(fixed.split('\n').filter((l) => !/^(Actors|Directors):/.test(l)).join('\n'));
  });

  it('omits the target review with includeTargetReview = false but keeps history reviews', () => {
    const prompt = renderProfilePrompt({ features: FEATURES['Fully Expressive Seeker'], history: [paddington], target: paddington2, includeTargetReview: false });
    expect(prompt).toContain('User Review: Sweet, funny and beautifully shot.');
    expect(prompt).not.toContain('Warmer and funnier');
    expect(prompt.endsWith('Visual Caption: A bear in a striped prison uniform.')).toBe(true);
  });

  it('writes both review lines when the title is empty, and none when the text has 2 characters or fewer', () => {
    const features = FEATURES['Fully Expressive Seeker'];
    const untitled = { ...paddington2, review: { title: null, text: 'Great fun.' } };
    expect(renderProfilePrompt({ features, history: [], target: untitled })).toContain('User Review Title: \nUser Review: Great fun.');
    const short = { ...paddington2, review: { title: 'Ok', text: 'ok' }, overview: 'no', collection: '', visualCaption: null };
    const prompt = renderProfilePrompt({ features, history: [], target: short });
    expect(prompt).not.toMatch(/User Review|Overview|Collection|Visual Caption/);
  });

  it('renders the Cold-Start Task-Oriented target with all metadata but no review', () => {
    const prompt = renderProfilePrompt({ features: FEATURES['Cold-Start Task-Oriented'], history, target: paddington2 });
    expect(prompt.split('\n').map((l) => l.split(':')[0])).toEqual([
      'Consider the following one the target item to recommend',
      'Item',
      'Genres',
      'Keywords',
      'Actors',
      'Directors',
      'Collection',
      'Overview',
      'Visual Caption',
    ]);
  });

  it('shows only the item line of a titleAndId target (History-Only Explorer)', () => {
    const prompt = renderProfilePrompt({ features: FEATURES['History-Only Explorer'], history, target: paddington2 });
    expect(prompt.endsWith('\n\n\n\nConsider the following one the target item to recommend:\nItem: Paddington 2, ID: <id_B0FAKE0003>')).toBe(true);
  });

  it('leaves the target section out when the target is hidden', () => {
    const features: StereotypeFeatures = { ...FEATURES['History + Hint Seeker'], targetVisibility: 'hidden' };
    const prompt = renderProfilePrompt({ features, history, target: paddington2 });
    expect(prompt).not.toContain('target item');
    expect(prompt).not.toContain('B0FAKE0003');
    expect(prompt.endsWith('User disliked the following items:\nItem: The Haunting Hour, ID: <id_B0FAKE0002>\nGenres: Horror\nKeywords: haunted house')).toBe(true);
  });

  it('leaves the history section out when the history is empty, and omits an empty liked or disliked block', () => {
    const hint = FEATURES['History + Hint Seeker'];
    expect(renderProfilePrompt({ features: hint, history: [], target: paddington2 })).toBe(
      renderProfilePrompt({ features: FEATURES['Cold-Start Browser'], history, target: paddington2 }),
    );
    const onlyDisliked = renderProfilePrompt({ features: hint, history: [haunting], target: paddington2 });
    expect(onlyDisliked.startsWith('The user has interacted with the following items:\nUser disliked the following items:\n')).toBe(true);
    expect(onlyDisliked).not.toContain('User liked');
  });

  it('counts a rating of 3 as disliked and honours likedThreshold', () => {
    const hint = FEATURES['History + Hint Seeker'];
    const three: HistoryEntry = { ...shaun, rating: 3 };
    expect(renderProfilePrompt({ features: hint, history: [three], target: null })).toContain('User disliked the following items:\nItem: Shaun');
    expect(renderProfilePrompt({ features: hint, history: [three], target: null, likedThreshold: 2 })).toContain('User liked the following items:\nItem: Shaun');
  });

  it('renders history features in the fixed order whatever the order of the feature list', () => {
    const features: StereotypeFeatures = { ...FEATURES['History + Hint Seeker'], historyFeatures: ['Keywords', 'Genres'] };
    expect(renderProfilePrompt({ features, history: [haunting], target: null })).toBe(
      'The user has interacted with the following items:\nUser disliked the following items:\nItem: The Haunting Hour, ID: <id_B0FAKE0002>\nGenres: Horror\nKeywords: haunted house',
    );
  });
});

describe('stereotypeMessages and the default system prompts', () => {
  it('builds the system + user messages, which render with the Llama template', () => {
    const profile = renderProfilePrompt({ features: FEATURES['Cold-Start Browser'], history: [], target: paddington2 });
    const messages = stereotypeMessages(DEFAULT_SYSTEM_PROMPTS['Cold-Start Browser'], profile);
    expect(messages).toEqual([
      { role: 'system', content: DEFAULT_SYSTEM_PROMPTS['Cold-Start Browser'] },
      { role: 'user', content: profile },
    ]);
    expect(renderChatTemplate(messages, { generationPrompt: true })).toContain(`<|start_header_id|>user<|end_header_id|>\n\n${profile}<|eot_id|>`);
  });

  it('has one prompt per stereotype key, in canonical order, conveying the common contract', () => {
    expect(STEREOTYPE_KEYS).toEqual(['Cold-Start Browser', 'Cold-Start Task-Oriented', 'History-Only Explorer', 'History + Hint Seeker', 'Fully Expressive Seeker']);
    expect(Object.keys(DEFAULT_SYSTEM_PROMPTS).sort()).toEqual([...STEREOTYPE_KEYS].sort());
    for (const key of STEREOTYPE_KEYS) {
      const prompt = DEFAULT_SYSTEM_PROMPTS[key];
      expect(prompt).toContain('[USR]:');
      expect(prompt).toContain('[AI]:');
      expect(prompt).toContain('<id_B0FAKE0003>');
      expect(prompt).toMatch(/between 5 and 10 turns/);
      expect(prompt).toMatch(/paraphrase/);
      expect(prompt).not.toMatch(/<\|/);
      expect(prompt).toBe(prompt.trim());
    }
    expect(new Set(Object.values(DEFAULT_SYSTEM_PROMPTS)).size).toBe(5);
  });
});
