/**
 * Word lists and sentence templates for the benchmark synthesizer.
 *
 * Titles are always `Adjective NounA NounB` (optionally followed by a parenthesised or bracketed
 * part that the cleaned title drops). No template or filler word is a title adjective, so a title
 * can never appear by accident in the surrounding text and no title is a word-run of another:
 * mention resolution on the synthesized text is unambiguous.
 */

export const TITLE_ADJECTIVES = [
  'Crimson', 'Silent', 'Broken', 'Hidden', 'Golden', 'Frozen', 'Distant', 'Electric', 'Hollow', 'Midnight',
  'Savage', 'Velvet', 'Scarlet', 'Iron', 'Paper', 'Glass', 'Wild', 'Lonely', 'Burning', 'Secret',
  'Northern', 'Southern', 'Eternal', 'Fading', 'Neon', 'Silver', 'Emerald', 'Wandering', 'Sleeping', 'Restless',
  'Forgotten', 'Shattered', 'Gentle', 'Bitter', 'Radiant', 'Ashen', 'Amber', 'Cobalt', 'Ivory', 'Obsidian',
  'Painted', 'Phantom', 'Rusty', 'Sapphire', 'Thunder', 'Wicked', 'Winter', 'Summer', 'Autumn', 'Copper',
  'Crystal', 'Dusty', 'Endless', 'Feral', 'Gilded', 'Haunted', 'Infinite', 'Jade', 'Lucky', 'Marble',
  'Mystic', 'Noble', 'Pale', 'Royal', 'Sacred', 'Stolen', 'Tender', 'Untold', 'Vivid', 'Wistful',
  'Éternel', 'Señorita', 'Über', 'Dämmerung',
] as const;

export const TITLE_NOUNS_A = [
  'Harbor', 'River', 'Garden', 'Mountain', 'Valley', 'Empire', 'Kingdom', 'Station', 'Highway', 'Forest',
  'Desert', 'Island', 'Ocean', 'Canyon', 'Meadow', 'Village', 'Castle', 'Tower', 'Bridge', 'Lantern',
  'Mirror', 'Compass', 'Anchor', 'Falcon', 'Raven', 'Wolf', 'Tiger', 'Dragon', 'Phoenix', 'Serpent',
  'Horizon', 'Planet', 'Comet', 'Galaxy', 'Circus', 'Carnival', 'Orchard', 'Vineyard', 'Cathedral', 'Lighthouse',
  'Harvest', 'Frontier', 'Prairie', 'Glacier', 'Volcano', 'Jungle', 'Tundra', 'Lagoon', 'Summit', 'Citadel',
  'Monastery', 'Café', 'Rodeo', 'Saloon', 'Factory', 'Academy', 'Hotel', 'Motel', 'Diner', 'Subway',
  'Bayou', 'Fjord', 'Oasis', 'Pagoda',
] as const;

export const TITLE_NOUNS_B = [
  'Letters', 'Secrets', 'Dreams', 'Chronicles', 'Stories', 'Promises', 'Shadows', 'Echoes', 'Whispers', 'Legends',
  'Memories', 'Songs', 'Diaries', 'Confessions', 'Games', 'Rules', 'Lessons', 'Affairs', 'Mysteries', 'Tales',
  'Blues', 'Nights', 'Days', 'Hours', 'Seasons', 'Voyages', 'Journeys', 'Protocol', 'Paradox', 'Conspiracy',
  'Requiem', 'Symphony', 'Sonata', 'Ballad', 'Lullaby', 'Rhapsody', 'Inheritance', 'Reckoning', 'Awakening', 'Uprising',
  'Exodus', 'Odyssey', 'Gambit', 'Heist', 'Rebellion', 'Covenant', 'Prophecy', 'Verdict', 'Witness', 'Detour',
  'Escape', 'Return', 'Revenge', 'Redemption', 'Descent', 'Ascent', 'Masquerade', 'Carousel', 'Labyrinth', 'Sanctuary',
  'Frequency', 'Equation', 'Theory', 'Experiment',
] as const;

/** Parts that the cleaned title deletes (docs/pipeline.md §2.7). */
export const TITLE_SUFFIXES = ['(1999)', '(2004)', '(2012)', '(2019)', '[Blu-ray]', '[DVD]', "(Director's Cut)", '(Special Edition) [HD]'] as const;

export const GENRES: ReadonlyArray<readonly [number, string]> = [
  [28, 'Action'], [12, 'Adventure'], [16, 'Animation'], [35, 'Comedy'], [80, 'Crime'], [99, 'Documentary'],
  [18, 'Drama'], [10751, 'Family'], [14, 'Fantasy'], [36, 'History'], [27, 'Horror'], [10402, 'Music'],
  [9648, 'Mystery'], [10749, 'Romance'], [878, 'Science Fiction'], [10770, 'TV Movie'], [53, 'Thriller'],
  [10752, 'War'], [37, 'Western'],
];

export const KEYWORDS = [
  'based on novel or book', 'small town', 'friendship', 'revenge', 'murder', 'time travel', 'dystopia', 'heist',
  'coming of age', 'road trip', 'haunted house', 'artificial intelligence', 'post-apocalyptic future', 'detective',
  'musician', 'high school', 'family relationships', 'survival', 'space travel', 'serial killer', 'love triangle',
  'based on true story', 'biography', 'sports', 'wedding', 'kidnapping', 'conspiracy', 'superhero', 'alien',
  'vampire', 'zombie', 'magic', 'dragon', 'pirate', 'world war ii', 'cold war', 'spy', 'prison', 'courtroom',
  'hospital', 'journalism', 'new york city', 'paris, france', 'london, england', 'tokyo, japan', 'island',
  'desert', 'christmas', 'halloween', 'dog', 'cat', 'robot', 'father son relationship', 'mother daughter relationship',
  'sibling rivalry', 'female protagonist', 'ensemble cast', 'satire', 'parody', 'remake', 'sequel', 'duringcreditsstinger',
];

export const FIRST_NAMES = [
  'Anna', 'Ben', 'Clara', 'David', 'Elena', 'Frank', 'Grace', 'Hugo', 'Ines', 'Jack', 'Kara', 'Liam', 'Maya', 'Noah',
  'Olivia', 'Paul', 'Quinn', 'Rosa', 'Sam', 'Tara', 'Umar', 'Vera', 'Will', 'Xena', 'Yusuf', 'Zoe', 'José', 'Zoë',
  'Björn', 'Chloé', 'Mikołaj', 'Siobhán',
];

export const LAST_NAMES = [
  'Adams', 'Brooks', 'Carter', 'Dawson', 'Ellis', 'Fischer', 'Garcia', 'Hughes', 'Ivanova', 'Jensen', 'Kowalski',
  'Larsen', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quinlan', 'Rossi', 'Schmidt', 'Tanaka', 'Ueda', 'Varga',
  'Whitaker', 'Xu', 'Young', 'Zimmer', "O'Brien", "D'Angelo", 'Müller', 'Núñez', 'Øvergaard', 'Şahin',
];

export const DEPARTMENTS: ReadonlyArray<readonly [string, string]> = [
  ['Directing', 'Director'], ['Writing', 'Screenplay'], ['Writing', 'Novel'], ['Production', 'Producer'],
  ['Production', 'Casting'], ['Sound', 'Original Music Composer'], ['Camera', 'Director of Photography'],
  ['Editing', 'Editor'], ['Art', 'Production Design'], ['Costume & Make-Up', 'Costume Design'],
  ['Visual Effects', 'Visual Effects Supervisor'], ['Lighting', 'Gaffer'], ['Crew', 'Stunt Coordinator'],
];

export const COUNTRIES = ['US', 'GB', 'FR', 'DE', 'JP', 'KR', 'IT', 'ES', 'CA', 'AU', 'IN', 'SE', 'DK', 'MX', 'BR'];

export const LANGUAGES = ['en', 'fr', 'de', 'ja', 'ko', 'it', 'es', 'sv', 'hi'];

export const CAPTION_PARTS = {
  subject: ['a lone figure', 'two friends', 'a family', 'a detective', 'a young woman', 'an old man', 'a small robot', 'a crowd', 'a masked stranger', 'a child'],
  place: ['on a rainy street', 'in front of a burning building', 'at the edge of a cliff', 'inside a dim bar', 'under a starry sky', 'in a snowy field', 'beside a vintage car', 'on a crowded train platform'],
  style: ['in muted blue tones', 'with bold red lettering', 'in warm sepia colours', 'with a stark black background', 'in a hand-drawn style', 'with neon highlights'],
};

export const OVERVIEW_PARTS = {
  who: ['A retired detective', 'A struggling musician', 'Two estranged siblings', 'A young scientist', 'A small-town teacher', 'A reluctant heir', 'An ambitious journalist', 'A group of teenagers'],
  what: ['uncovers a conspiracy', 'sets out on a journey', 'must confront the past', 'is drawn into a dangerous game', 'falls for an unlikely partner', 'tries to save the family business', 'searches for a missing friend', 'fights to survive'],
  where: ['in a city that never sleeps', 'on a remote island', 'during a bitter winter', 'at the end of the world', 'in the shadow of a war', 'across three decades', 'in a crumbling mansion', 'aboard a drifting ship'],
};

// Dialogue text. `{genre}`, `{mood}`, `{feature}`, `{person}` are filled from the pools below;
// `{item}` marks where an item mention goes.
export const MOODS = ['light and funny', 'dark and gritty', 'heartwarming', 'thought-provoking', 'suspenseful', 'cozy', 'epic', 'romantic', 'mind-bending', 'nostalgic'];
export const FEATURES = ['a strong female lead', 'a twist ending', 'great music', 'beautiful cinematography', 'sharp dialogue', 'a slow-burn plot', 'lots of action', 'a big ensemble cast', 'a clever heist', 'a road trip'];
export const GENRE_WORDS = ['comedy', 'thriller', 'drama', 'sci-fi', 'horror', 'romance', 'documentary', 'western', 'animated', 'crime', 'fantasy', 'war'];

export const USER_OPENINGS = [
  'Hi! I am in the mood for something {mood} tonight.',
  'Hey there, can you suggest a {genre} movie with {feature}?',
  'Hello! I want to watch something {mood}, maybe a {genre}.',
  'Hi, I have a free evening and I would love a good {genre} with {feature}.',
  'Good evening! Looking for a {mood} film to watch with friends.',
];
export const USER_HISTORY = [
  'I recently watched {item} and really enjoyed it.',
  'I loved {item}, especially the way it handled the ending.',
  'Something like {item} would be great, I watched it twice.',
  'My favourite lately has been {item}.',
];
export const USER_FOLLOWUPS = [
  'That sounds interesting, but is it too long? I prefer something under two hours.',
  'I am not sure, I usually do not like {genre} that much. Anything else?',
  'Could you tell me more about the cast? I like films with {feature}.',
  'Hmm, I think I have seen that one already. What else do you have?',
  'Is it more {mood} or more serious? I want to relax a bit.',
  'I like the sound of that. Does it have {feature}?',
];
export const USER_ITEM_REACTIONS = [
  'Oh, {item} sounds really good, tell me more.',
  'I have heard of {item} but never watched it.',
  'Is {item} suitable for watching with my parents?',
];
export const USER_CLOSINGS = [
  'Perfect, I will watch it tonight! Thanks a lot.',
  'Great, that is exactly what I was looking for. Thank you!',
  'Thanks, I will add it to my list and watch it this weekend.',
  'Awesome, I think that will be the one. Thanks for the help!',
];
export const ASSISTANT_QUESTIONS = [
  'Happy to help! Do you prefer something recent or are older classics fine too?',
  'Great choice of mood. Would you like {feature}, or is the story more important?',
  'Sure! Are you watching alone or with company?',
  'I can help with that. How do you feel about {genre} films in general?',
  'Got it. Do subtitles bother you, or are international films welcome?',
];
export const ASSISTANT_RECOMMENDATIONS = [
  'You might enjoy {item}: it is {mood} and has {feature}.',
  'I would suggest {item}, a {genre} with {feature} that many viewers love.',
  'How about {item}? It is a {mood} story with {feature}.',
  'Then {item} is a great pick: {mood}, well paced, and it has {feature}.',
  'If you liked that, {item} should be right up your alley.',
];
export const ASSISTANT_EXTRAS = [
  'Another option is {item}, which is a bit more {mood}.',
  'You could also try {item} if you want {feature}.',
];
export const ASSISTANT_DETAILS = [
  'It runs a little under two hours and the pacing is tight, so it never drags.',
  'Critics praised the performances and the soundtrack is memorable.',
  'It mixes {genre} with a touch of humour, and the ending is satisfying.',
  'The director is known for {feature}, and this one is a fan favourite.',
  'It is suitable for most audiences and works well for a relaxed evening.',
];
export const ASSISTANT_CLOSINGS = [
  'Enjoy the movie! Let me know how you liked it.',
  'You are welcome, have a great time watching!',
  'Happy watching, I hope it becomes a new favourite.',
];
