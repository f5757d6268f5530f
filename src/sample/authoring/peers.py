"""A handful of dialogues of each peer dataset, in their release formats, about the sample's
films: ReDial (docs/formats.md §5), PEARL (§6), INSPIRED (§7) and an LLM-REDIAL domain folder (§4)
whose item ids are the sample's ASINs.

    python3 src/sample/authoring/peers.py

Same bytes on every run. Worker, user and trailer ids are invented.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..')


def asins():
    with open(os.path.join(OUT, 'tmdb_movies.json'), encoding='utf-8') as f:
        return {r['title']: r['asin'] for r in json.load(f)}


# ---------------------------------------------------------------- ReDial
def redial():
    def conv(cid, seeker, recommender, movies, messages, answers):
        mentions = {mid: name for mid, name in movies}
        q = {mid: {'suggested': s, 'seen': seen, 'liked': liked} for mid, (s, seen, liked) in answers.items()}
        msgs = [{'timeOffset': i * 17, 'text': text, 'senderWorkerId': seeker if who == 'S' else recommender, 'messageId': int(cid) * 10 + i}
                for i, (who, text) in enumerate(messages)]
        return {'movieMentions': mentions, 'respondentQuestions': q, 'messages': msgs, 'conversationId': cid,
                'respondentWorkerId': recommender, 'initiatorWorkerId': seeker, 'initiatorQuestions': q}

    train = [
        conv('80001', 501, 601, [('205001', 'The Godfather (1972)'), ('205002', 'GoodFellas (1990)'), ('205003', 'The Departed (2006)')],
             [('S', 'Hi! I want a good gangster movie. I loved @205001'), ('R', 'Classic choice. Have you seen @205002 ?'),
              ('S', 'Yes, twice. Something newer maybe?'), ('R', 'Then @205003 : undercover cops and the Boston mob.'), ('S', 'Sounds great, thanks!')],
             {'205001': (0, 1, 1), '205002': (1, 1, 1), '205003': (1, 0, 1)}),
        conv('80002', 502, 602, [('205010', 'Finding Nemo (2003)'), ('205011', 'Up (2009)'), ('205012', 'Inside Out (2015)')],
             [('S', 'Looking for something for movie night with my kids.'), ('R', 'How about @205010 or @205011 ?'),
              ('S', 'We watched @205010 last week. What else?'), ('R', '@205012 is lovely, about the feelings inside a girl\u2019s head.'), ('S', 'Perfect, we will try it.')],
             {'205010': (1, 1, 1), '205011': (1, 0, 2), '205012': (1, 0, 1)}),
        conv('80003', 503, 603, [('205020', 'Alien (1979)'), ('205021', 'The Thing (1982)'), ('205022', 'Ex Machina (2015)')],
             [('S', 'I like science fiction with a bit of horror, like @205020'), ('R', 'Have you seen @205021 ?'),
              ('S', 'No, too gory for me I think.'), ('R', 'Then try @205022 , creepy but quiet.'), ('S', 'Oh nice, I will.')],
             {'205020': (0, 1, 1), '205021': (1, 0, 0), '205022': (1, 0, 1)}),
    ]
    test = [
        conv('81001', 504, 604, [('205030', 'Before Sunrise (1995)'), ('205031', 'Before Sunset (2004)')],
             [('S', 'I want a romantic movie that is mostly talking.'), ('R', 'Have you seen @205030 ?'),
              ('S', 'Yes! I loved it.'), ('R', 'Then the sequel, @205031 , picks up nine years later in Paris.'), ('S', 'Didn\u2019t know there was a sequel. Thanks!')],
             {'205030': (1, 1, 1), '205031': (1, 0, 1)}),
    ]
    d = os.path.join(OUT, 'redial')
    os.makedirs(d, exist_ok=True)
    for name, recs in (('train_data.jsonl', train), ('test_data.jsonl', test)):
        with open(os.path.join(d, name), 'w', encoding='utf-8') as f:
            for r in recs:
                f.write(json.dumps(r) + '\n')


# ---------------------------------------------------------------- PEARL
def pearl():
    train = [
        {'data_id': 'sample-0001', 'user_id': 'P100', 'dialogue': [
            'Seeker: Hi! I enjoyed Spirited Away (2001) and My Neighbor Totoro. Something else that is gentle and magical?',
            "Recommender: You might love \"Kiki's Delivery Service (1989)\": a young witch starts a delivery service in a seaside town.",
            "Seeker: Kiki's Delivery Service sounds sweet. Is it for kids only?",
            "Recommender: Not at all, it's about growing up and finding your place. Kiki's Delivery Service is a quiet delight."],
         'user_persona': 'Loves hand-drawn animation and calm, warm stories; avoids violence.',
         'gt_movie_title': "Kiki's Delivery Service (1989)", 'seen_movie_titles': ['Spirited Away (2001)', 'My Neighbor Totoro (1988)'],
         'gt_abstract': 'A thirteen-year-old witch moves to a seaside town and starts a flying delivery service.', 'gt_genre': 'Animation, Family, Fantasy',
         'gt_director': 'Hayao Miyazaki', 'gt_cast': ['Minami Takayama', 'Rei Sakuma']},
        {'data_id': 'sample-0002', 'user_id': 'P101', 'dialogue': [
            'Seeker: I want a tense thriller tonight, something clever.',
            'Recommender: Have you seen "Memento (2000)"? The story runs backwards.',
            'Seeker: Yes, and The Prestige too. Loved both.',
            'Recommender: Then try "Se7en (1995)", a dark detective story with an unforgettable ending.'],
         'user_persona': 'Likes twisty crime and mystery films; dislikes romantic comedies.',
         'gt_movie_title': 'Se7en (1995)', 'seen_movie_titles': ['Memento (2000)', 'The Prestige (2006)'],
         'gt_abstract': 'Two detectives hunt a killer who models his murders on the seven deadly sins.', 'gt_genre': 'Crime, Mystery, Thriller',
         'gt_director': 'David Fincher', 'gt_cast': ['Brad Pitt', 'Morgan Freeman']},
        {'data_id': 'sample-0003', 'user_id': 'P100', 'dialogue': [
            'Seeker: Now I feel like a big adventure, like Raiders of the Lost Ark (1981).',
            'Recommender: Then "Star Wars (1977)" is a must: a farm boy, a smuggler and a princess against an empire.',
            'Seeker: Star Wars, of course. I have never actually seen it!'],
         'user_persona': 'Loves hand-drawn animation and calm, warm stories; avoids violence.',
         'gt_movie_title': 'Star Wars (1977)', 'seen_movie_titles': ['Raiders of the Lost Ark (1981)']},
    ]
    test = [
        {'data_id': 'sample-t01', 'user_id': 'P102', 'dialogue': [
            'Seeker: Something funny but with heart, please.',
            'Recommender: "Groundhog Day (1993)" is both: a weatherman stuck living the same day again and again.',
            'Seeker: Great idea, I love Bill Murray.'],
         'user_persona': 'Enjoys comedies with warmth.', 'gt_movie_title': 'Groundhog Day (1993)', 'seen_movie_titles': []},
    ]
    d = os.path.join(OUT, 'pearl')
    os.makedirs(d, exist_ok=True)
    for name, recs in (('train.json', train), ('test.json', test)):
        with open(os.path.join(d, name), 'w', encoding='utf-8') as f:
            json.dump(recs, f, indent=4, ensure_ascii=False)


# ---------------------------------------------------------------- INSPIRED
HEADER = ['dialog_id', 'utt_id', 'speaker', 'turn_id', 'text', 'text_with_placeholder', 'movies', 'genres', 'people_names', 'movie_dict', 'genre_dict',
          'actor_dict', 'director_dict', 'others_dict', 'expert_label', 'second_label', 'fine_label', 'coarse_label', 'movie_id']


def inspired():
    def dialog(did, movies, genres, actors, directors, rows, fine, coarse, movie_id):
        md = repr({m: i for i, m in enumerate(movies)})
        gd = repr({g: i for i, g in enumerate(genres)})
        ad = repr({a: i for i, a in enumerate(actors)})
        dd = repr({d: i for i, d in enumerate(directors)})
        out = []
        for n, (speaker, turn, text, placeholder, ms, gs, ps, label) in enumerate(rows, 1):
            out.append([did, str(n), speaker, str(turn), text, placeholder, ms, gs, ps, md, gd, ad, dd, '', label, '', fine, coarse, movie_id])
        return out

    train = dialog('20200301-500001_501_live.pkl', ['Jurassic Park (1993)', 'Back to the Future (1985)'], ['adventure'], ['Jeff Goldblum'], ['Steven Spielberg'], [
        ('RECOMMENDER', 1, 'Hi! What kind of movies do you enjoy?', 'Hi! What kind of movies do you enjoy?', '', '', '', 'opinion_inquiry'),
        ('SEEKER', 1, 'I like big fun adventure movies from the eighties and nineties.', 'I like big fun [MOVIE_GENRE_0] movies from the eighties and nineties.', '', 'adventure', '', ''),
        ('RECOMMENDER', 2, 'Have you seen Jurassic Park? Steven Spielberg at his best.', 'Have you seen [MOVIE_TITLE_0]? [MOVIE_P_DIRECTOR_0] at his best.', 'Jurassic Park (1993)', '', 'Steven Spielberg', 'personal_opinion'),
        ('SEEKER', 2, 'Of course, I love Jeff Goldblum in it. Something else?', 'Of course, I love [MOVIE_P_ACTOR_0] in it. Something else?', '', '', 'Jeff Goldblum', ''),
        ('RECOMMENDER', 3, 'Then Back to the Future: time travel, a DeLorean and a lot of laughs.', 'Then [MOVIE_TITLE_1]: time travel, a DeLorean and a lot of laughs.', 'Back to the Future (1985)', '', '', 'encouragement'),
        ('SEEKER', 3, 'QUOTATION_MARKGreat Scott!QUOTATION_MARK I will watch it tonight.', '"Great Scott!" I will watch it tonight.', '', '', '', ''),
    ], 'accept_rating_good', 'accept_new', 'qTx7pL2sKd0') + dialog('20200302-500002_502_live.pkl', ['Titanic (1997)', 'Casablanca (1942)'], ['romance'], [], [], [
        ('RECOMMENDER', 1, 'Hello! Any genre in mind?', 'Hello! Any genre in mind?', '', '', '', 'opinion_inquiry'),
        ('SEEKER', 1, 'A romance, but not too cheesy.', 'A [MOVIE_GENRE_0], but not too cheesy.', '', 'romance', '', ''),
        ('RECOMMENDER', 2, 'Titanic is epic, or Casablanca if you like classics.', '[MOVIE_TITLE_0] is epic, or [MOVIE_TITLE_1] if you like classics.', 'Titanic (1997);Casablanca (1942)', '', '', 'personal_opinion'),
        ('SEEKER', 2, 'I have seen both, thanks anyway.', 'I have seen both, thanks anyway.', '', '', '', ''),
    ], 'reject_rating', 'reject_new', 'nan')
    test = dialog('20200310-500003_503_live.pkl', ['Hidden Figures (2016)'], ['drama'], ['Taraji P. Henson'], [], [
        ('RECOMMENDER', 1, 'Hi there! What are you in the mood for?', 'Hi there! What are you in the mood for?', '', '', '', 'opinion_inquiry'),
        ('SEEKER', 1, 'An inspiring true story.', 'An inspiring true story.', '', '', '', ''),
        ('RECOMMENDER', 2, 'Hidden Figures, with Taraji P. Henson, about the women who did the maths for NASA.', '[MOVIE_TITLE_0], with [MOVIE_P_ACTOR_0], about the women who did the maths for NASA.', 'Hidden Figures (2016)', '', 'Taraji P. Henson', 'credibility'),
        ('SEEKER', 2, 'That sounds perfect.', 'That sounds perfect.', '', '', '', ''),
    ], 'accept_rating_good', 'accept_new', 'vR3kLm9QpZ1')
    d = os.path.join(OUT, 'inspired')
    os.makedirs(d, exist_ok=True)
    for name, rows in (('train.tsv', train), ('test.tsv', test)):
        with open(os.path.join(d, name), 'w', encoding='utf-8') as f:
            f.write('\t'.join(HEADER) + '\n')
            for r in rows:
                f.write('\t'.join(r) + '\n')


# ---------------------------------------------------------------- LLM-REDIAL
def llm_redial(a):
    users = {
        'AELLMREDIALUSER0000000000001': {'history': ['Inception', 'Interstellar', 'The Matrix', 'Memento'], 'might': ['The Prestige', 'Arrival'],
                                         'convs': [(1001, ['Inception'], ['The Matrix Reloaded'], ['The Prestige'])]},
        'AELLMREDIALUSER0000000000002': {'history': ['Amélie', 'Cinema Paradiso', 'Portrait of a Lady on Fire'], 'might': ['In the Mood for Love', 'Call Me by Your Name'],
                                         'convs': [(2001, ['Amélie'], [], ['In the Mood for Love']), (2002, ['Cinema Paradiso'], ['Titanic'], ['Call Me by Your Name'])]},
        'AELLMREDIALUSER0000000000003': {'history': ['Toy Story', 'Coco', 'Up'], 'might': ['Ratatouille'],
                                         'convs': [(3001, ['Coco'], ['Cars'], ['Ratatouille'])]},
    }
    texts = {
        1001: ['User: I loved "Inception" but "The Matrix Reloaded" was a letdown, too much talking.',
               'Agent: If you like puzzles with a twist, "The Prestige" is Nolan at his trickiest: two rival magicians.',
               'User: Two magicians? I am in.'],
        2001: ['User: Amélie is my favourite film, so charming.', 'Agent: Then try In the Mood for Love, a quiet and beautiful romance in 1960s Hong Kong.',
               'User: I have heard of it, I will give it a try.'],
        2002: ['User: Cinema Paradiso made me cry, but Titanic felt overblown.', 'Agent: Call Me by Your Name has that same warm, nostalgic summer feeling.',
               'User: Lovely, thank you.'],
        3001: ['User: We loved Coco at home.', 'Agent: Ratatouille is a great family pick: a rat who dreams of being a chef in Paris.', 'User: The kids will love it.'],
    }
    d = os.path.join(OUT, 'llm-redial', 'Movie')
    os.makedirs(d, exist_ok=True)
    item_map = {}
    missing = {'Cars': 'B0SNOTSMP1'}

    def key(title):
        k = a.get(title) or missing[title]
        item_map[k] = title if title not in a else f'{title} [DVD]' if len(item_map) % 2 else title
        return k

    with open(os.path.join(d, 'final_data.jsonl'), 'w', encoding='utf-8') as f:
        for uid, u in users.items():
            rec = {uid: {'history_interaction': [key(t) for t in u['history']], 'user_might_like': [key(t) for t in u['might']],
                         'Conversation': [{f'conversation_{n}': {'conversation_id': cid, 'user_likes': [key(t) for t in likes], 'user_dislikes': [key(t) for t in dislikes],
                                                                  'rec_item': [key(t) for t in rec]}}
                                          for n, (cid, likes, dislikes, rec) in enumerate(u['convs'], 1)]}}
            f.write(json.dumps(rec, ensure_ascii=False) + '\n')
    with open(os.path.join(d, 'Conversation.txt'), 'w', encoding='utf-8') as f:
        for cid in sorted(texts):
            f.write(f'{cid}\n\n' + '\n\n'.join(texts[cid]) + '\n\n')
    item_map['B0SNOTSMP1'] = 'Cars (2006) [DVD]'
    with open(os.path.join(d, 'item_map.json'), 'w', encoding='utf-8') as f:
        json.dump(dict(sorted(item_map.items())), f, indent=2, ensure_ascii=False)
        f.write('\n')
    with open(os.path.join(d, 'user_ids.json'), 'w', encoding='utf-8') as f:
        json.dump({uid: i for i, uid in enumerate(users)}, f)


def main():
    a = asins()
    redial()
    pearl()
    inspired()
    llm_redial(a)


if __name__ == '__main__':
    main()
