"""Amazon Reviews 2023 sources for the sample (docs/formats.md §1): item metadata for every film of
src/sample/tmdb_movies.json (plus two items without a TMDB record, which the item filter removes)
and the reviews of 40 invented reviewers, written like Python's json.dumps.

    python3 src/sample/authoring/amazon.py

Same bytes on every run (seeded). Each reviewer likes two or three genres: films of those genres
are drawn more often and rated higher. The first start prepares them with `--k-core 5`
(src/ingest/sample.ts), which keeps every reviewer; the default k of 12 keeps none (few films have
12 reviewers), which is what `recdial prepare` then explains.
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, '..')
OUT = os.path.join(SAMPLE, 'amazon')

PHRASES = {
    5: ['An absolute favourite.', 'I have watched it three times already.', 'Beautifully made from start to finish.', 'Worth every minute.'],
    4: ['Really enjoyed it.', 'A few slow scenes, but very good overall.', 'Great performances.', 'Would watch again.'],
    3: ['It was fine.', 'Some good moments, some boring ones.', 'Not bad, not great.', 'Watchable once.'],
    2: ['Not for me.', 'Too long and too slow.', 'I expected much more.', 'The ending let me down.'],
    1: ['I turned it off halfway.', 'Did not work for me at all.', 'Disappointing.', 'The disc arrived scratched and the film was dull anyway.'],
}
HEADLINES = {5: 'Five stars', 4: 'Very good', 3: 'Okay', 2: 'Meh', 1: 'Not for me'}
FORMATS = ['[Blu-ray]', '[DVD]', '(4K Ultra HD + Blu-ray)', '']


def genres_of(r):
    g = r['genres']
    if isinstance(g, str):
        import ast
        g = ast.literal_eval(g)
    return [x['name'] for x in g]


def main():
    rng = random.Random(2025)
    with open(os.path.join(SAMPLE, 'tmdb_movies.json'), encoding='utf-8') as f:
        films = json.load(f)
    os.makedirs(OUT, exist_ok=True)
    meta = []
    for i, r in enumerate(films):
        year = r['release_date'][:4]
        fmt = FORMATS[i % len(FORMATS)]
        title = f"{r['title']} ({year}) {fmt}".strip()
        meta.append({
            'main_category': 'Movies & TV', 'title': title, 'average_rating': round(3.5 + rng.random() * 1.4, 1), 'rating_number': rng.randint(40, 9000),
            'features': [] if i % 3 else ['Widescreen', 'Subtitled'], 'description': [r['overview']], 'price': [None, 9.99, 14.99, 'None', '12.99'][i % 5],
            'images': [], 'videos': [], 'store': None if i % 7 == 0 else 'Sample Studio Video',
            'categories': ['Movies & TV', 'Featured Categories', genres_of(r)[0]], 'details': {'Run time': f"{r['runtime'] // 60} hours and {r['runtime'] % 60} minutes"},
            'parent_asin': r['asin'], 'bought_together': None,
        })
    # Two items the item filter removes: no TMDB record, and a title too short.
    meta.append({'main_category': 'Movies & TV', 'title': 'Great Railway Journeys of Europe (2019) [DVD]', 'average_rating': 4.1, 'rating_number': 52, 'features': [],
                 'description': [], 'price': 19.99, 'images': [], 'videos': [], 'store': None, 'categories': ['Movies & TV', 'Documentary'], 'details': {},
                 'parent_asin': 'B0SNOTMDB1', 'bought_together': None})
    meta.append({'main_category': 'Movies & TV', 'title': 'Up', 'average_rating': 3.0, 'rating_number': 3, 'features': [], 'description': [], 'price': None,
                 'images': [], 'videos': [], 'store': None, 'categories': ['Movies & TV'], 'details': {}, 'parent_asin': 'B0SSHORT01', 'bought_together': None})

    all_genres = sorted({g for r in films for g in genres_of(r)})
    reviews = []
    for u in range(40):
        user = 'AESAMPLE' + format(u + 1, 'd').rjust(20, '0')
        liked = set(rng.sample(all_genres, 3))
        weights = [(3.0 if liked & set(genres_of(r)) else 1.0) * (1 + r['popularity'] / 50) for r in films]
        n = rng.randint(12, 20)
        picks = []
        pool = list(range(len(films)))
        w = list(weights)
        for _ in range(n):
            k = rng.choices(range(len(pool)), weights=w)[0]
            picks.append(pool.pop(k))
            w.pop(k)
        t = 1_450_000_000_000 + rng.randint(0, 200_000_000_000)
        for k in picks:
            r = films[k]
            base = 4 if liked & set(genres_of(r)) else 3
            rating = max(1, min(5, base + rng.choice([-2, -1, 0, 0, 1, 1])))
            words = rng.sample(PHRASES[rating], 2)
            t += rng.randint(3, 90) * 86_400_000 + rng.randint(0, 86_399_999)
            review = {'rating': float(rating), 'title': HEADLINES[rating], 'text': f"{r['title']}: {' '.join(words)}", 'images': [],
                      'asin': r['asin'], 'parent_asin': r['asin'], 'user_id': user, 'timestamp': t, 'helpful_vote': rng.randint(0, 12),
                      'verified_purchase': rng.random() < 0.8}
            reviews.append(review)
        if u % 8 == 0:  # a review of an item the item filter removes
            t += 86_400_000
            reviews.append({'rating': 4.0, 'title': 'Lovely trains', 'text': 'Relaxing to watch.', 'images': [], 'asin': 'B0SNOTMDB1', 'parent_asin': 'B0SNOTMDB1',
                            'user_id': user, 'timestamp': t, 'helpful_vote': 0, 'verified_purchase': True})
    reviews.sort(key=lambda x: (x['timestamp'], x['user_id']))
    with open(os.path.join(OUT, 'meta_Movies_and_TV.jsonl'), 'w', encoding='utf-8') as f:
        for m in meta:
            f.write(json.dumps(m, ensure_ascii=False) + '\n')
    with open(os.path.join(OUT, 'Movies_and_TV.jsonl'), 'w', encoding='utf-8') as f:
        for r in reviews:
            f.write(json.dumps(r, ensure_ascii=False) + '\n')

    # The k-core the first start uses must keep every reviewer: check it here.
    known = {r['asin'] for r in films}
    rows = {(r['user_id'], r['parent_asin']) for r in reviews if r['parent_asin'] in known}
    for k in (5, 12):
        core = set(rows)
        while True:
            uc, ic = {}, {}
            for u, i in core:
                uc[u] = uc.get(u, 0) + 1
                ic[i] = ic.get(i, 0) + 1
            nxt = {(u, i) for u, i in core if uc[u] >= k and ic[i] >= k}
            if nxt == core:
                break
            core = nxt
        print(f'k={k}: {len({u for u, _ in core})} users, {len({i for _, i in core})} items, {len(core)} rows')
    print(f'{len(meta)} metadata lines, {len(reviews)} reviews')


if __name__ == '__main__':
    main()
