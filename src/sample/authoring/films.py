"""More real films for src/sample/tmdb_movies.json (public metadata: TMDB id, title, date, runtime,
genres, director and leading cast; overviews and captions written for this sample).

    python3 src/sample/authoring/films.py

appends the films below that the file lacks (same bytes on every run). Records alternate, as the
original file's do, between JSON values and Python-literal strings for genres, keywords, casts,
origin_country and belongs_to_collection. The ASINs are invented (B0S + 7 characters).
"""
import hashlib
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TMDB = os.path.join(HERE, '..', 'tmdb_movies.json')

GENRES = {'Action': 28, 'Adventure': 12, 'Animation': 16, 'Comedy': 35, 'Crime': 80, 'Documentary': 99, 'Drama': 18,
          'Family': 10751, 'Fantasy': 14, 'History': 36, 'Horror': 27, 'Music': 10402, 'Mystery': 9648, 'Romance': 10749,
          'Science Fiction': 878, 'Thriller': 53, 'War': 10752, 'Western': 37}

# (tmdb id, title, release date, runtime, vote, popularity, countries, genres, keywords, cast [(name, character)],
#  directors, collection or None, overview, visual caption)
FILMS = [
    (238, 'The Godfather', '1972-03-14', 175, 8.7, 98.1, ['US'], ['Drama', 'Crime'], ['mafia', 'family business', 'new york city', 'patriarch'],
     [('Marlon Brando', 'Don Vito Corleone'), ('Al Pacino', 'Michael Corleone'), ('James Caan', 'Sonny Corleone'), ('Robert Duvall', 'Tom Hagen'), ('Diane Keaton', 'Kay Adams')],
     ['Francis Ford Coppola'], 'The Godfather Collection',
     'The ageing head of a New York crime family hands his empire to his reluctant youngest son, who is drawn step by step into the violence he meant to escape.',
     'A man in a dark suit and bow tie sits in shadow, a puppeteer’s hand and strings above him on a black background.'),
    (240, 'The Godfather Part II', '1974-12-20', 202, 8.6, 61.3, ['US'], ['Drama', 'Crime'], ['mafia', 'cuba', 'sicily', 'flashback'],
     [('Al Pacino', 'Michael Corleone'), ('Robert De Niro', 'Vito Corleone'), ('Robert Duvall', 'Tom Hagen'), ('Diane Keaton', 'Kay Corleone'), ('John Cazale', 'Fredo Corleone')],
     ['Francis Ford Coppola'], 'The Godfather Collection',
     'Michael tightens his grip on the family business while the story of his father’s arrival in New York and rise to power unfolds decades earlier.',
     'A man sits alone in a dim room, his face half lit, with a sepia street scene of old New York behind him.'),
    (680, 'Pulp Fiction', '1994-09-10', 154, 8.5, 77.4, ['US'], ['Thriller', 'Crime'], ['hitman', 'nonlinear timeline', 'diner', 'briefcase'],
     [('John Travolta', 'Vincent Vega'), ('Samuel L. Jackson', 'Jules Winnfield'), ('Uma Thurman', 'Mia Wallace'), ('Bruce Willis', 'Butch Coolidge'), ('Ving Rhames', 'Marsellus Wallace')],
     ['Quentin Tarantino'], None,
     'Two philosophical hitmen, a boxer who will not throw a fight, a gangster’s wife and a pair of diner robbers cross paths in a Los Angeles told out of order.',
     'A woman with a black bob lies on a bed reading a pulp paperback, a cigarette in her hand, on a worn yellow cover.'),
    (550, 'Fight Club', '1999-10-15', 139, 8.4, 69.5, ['US', 'DE'], ['Drama', 'Thriller'], ['insomnia', 'alter ego', 'anti-consumerism', 'support group'],
     [('Edward Norton', 'The Narrator'), ('Brad Pitt', 'Tyler Durden'), ('Helena Bonham Carter', 'Marla Singer'), ('Meat Loaf', 'Robert Paulson'), ('Jared Leto', 'Angel Face')],
     ['David Fincher'], None,
     'An insomniac office worker and a reckless soap salesman start an underground fighting club that grows into something far more dangerous.',
     'Two men’s faces side by side in pink and blue light, one grinning, a bar of soap in the foreground.'),
    (13, 'Forrest Gump', '1994-06-23', 142, 8.5, 70.2, ['US'], ['Comedy', 'Drama', 'Romance'], ['vietnam war', 'running', 'friendship', 'american history'],
     [('Tom Hanks', 'Forrest Gump'), ('Robin Wright', 'Jenny Curran'), ('Gary Sinise', 'Lieutenant Dan Taylor'), ('Sally Field', 'Mrs. Gump'), ('Mykelti Williamson', 'Bubba Blue')],
     ['Robert Zemeckis'], None,
     'A kind man from Alabama with a low IQ drifts through three decades of American history while never giving up on his childhood sweetheart.',
     'A man in a light suit sits on a bench with a box of chocolates, a white feather floating down beside him.'),
    (155, 'The Dark Knight', '2008-07-16', 152, 8.5, 95.8, ['US', 'GB'], ['Drama', 'Action', 'Crime', 'Thriller'], ['joker', 'vigilante', 'gotham city', 'chaos'],
     [('Christian Bale', 'Bruce Wayne'), ('Heath Ledger', 'Joker'), ('Aaron Eckhart', 'Harvey Dent'), ('Michael Caine', 'Alfred Pennyworth'), ('Gary Oldman', 'James Gordon')],
     ['Christopher Nolan'], 'The Dark Knight Collection',
     'Batman, a district attorney and a police lieutenant try to break organised crime in Gotham until a grinning anarchist sets out to prove that anyone can fall.',
     'A caped figure stands before a skyscraper with a burning bat-shaped hole in its windows.'),
    (329, 'Jurassic Park', '1993-06-11', 127, 7.9, 56.4, ['US'], ['Adventure', 'Science Fiction'], ['dinosaur', 'theme park', 'island', 'cloning'],
     [('Sam Neill', 'Alan Grant'), ('Laura Dern', 'Ellie Sattler'), ('Jeff Goldblum', 'Ian Malcolm'), ('Richard Attenborough', 'John Hammond'), ('Ariana Richards', 'Lex Murphy')],
     ['Steven Spielberg'], 'Jurassic Park Collection',
     'Scientists invited to preview an island theme park of cloned dinosaurs must survive the night when the power fails and the animals break loose.',
     'A red and yellow logo with a tyrannosaur skeleton in black silhouette on a dark background.'),
    (597, 'Titanic', '1997-11-18', 194, 7.9, 88.0, ['US'], ['Drama', 'Romance'], ['shipwreck', 'iceberg', 'class differences', 'forbidden love'],
     [('Leonardo DiCaprio', 'Jack Dawson'), ('Kate Winslet', 'Rose DeWitt Bukater'), ('Billy Zane', 'Cal Hockley'), ('Kathy Bates', 'Molly Brown'), ('Gloria Stuart', 'Old Rose')],
     ['James Cameron'], None,
     'A penniless artist and a young woman bound to an arranged marriage fall in love aboard the ship that was called unsinkable.',
     'A young couple embrace above the prow of a huge liner sailing into a golden sunset.'),
    (11, 'Star Wars', '1977-05-25', 121, 8.2, 80.6, ['US'], ['Adventure', 'Action', 'Science Fiction'], ['space opera', 'rebellion', 'droid', 'farm boy'],
     [('Mark Hamill', 'Luke Skywalker'), ('Harrison Ford', 'Han Solo'), ('Carrie Fisher', 'Princess Leia Organa'), ('Alec Guinness', 'Obi-Wan Kenobi'), ('Peter Cushing', 'Grand Moff Tarkin')],
     ['George Lucas'], 'Star Wars Collection',
     'A farm boy on a desert planet joins a smuggler, an old knight and two droids to rescue a princess from an empire’s planet-destroying battle station.',
     'A young hero raises a glowing sword beside a princess, with a helmeted dark figure looming over stars behind them.'),
    (1891, 'The Empire Strikes Back', '1980-05-20', 124, 8.4, 52.9, ['US'], ['Adventure', 'Action', 'Science Fiction'], ['ice planet', 'swamp', 'jedi training', 'father son relationship'],
     [('Mark Hamill', 'Luke Skywalker'), ('Harrison Ford', 'Han Solo'), ('Carrie Fisher', 'Princess Leia Organa'), ('Billy Dee Williams', 'Lando Calrissian'), ('Frank Oz', 'Yoda')],
     ['Irvin Kershner'], 'Star Wars Collection',
     'After the rebels are driven from their ice base, Luke trains with a small old master in a swamp while his friends flee to a city in the clouds.',
     'A couple embrace beneath a giant dark helmet, with walking war machines crossing snow below.'),
    (348, 'Alien', '1979-05-25', 117, 8.2, 45.1, ['GB', 'US'], ['Horror', 'Science Fiction'], ['spaceship', 'android', 'creature', 'distress signal'],
     [('Sigourney Weaver', 'Ellen Ripley'), ('Tom Skerritt', 'Dallas'), ('John Hurt', 'Kane'), ('Ian Holm', 'Ash'), ('Veronica Cartwright', 'Lambert')],
     ['Ridley Scott'], 'Alien Collection',
     'The crew of a commercial towing ship answers a signal on a dead moon and brings back an organism that hunts them one by one.',
     'A cracked green-glowing egg hangs in black space above a grid of faint lines.'),
    (578, 'Jaws', '1975-06-18', 124, 7.7, 38.2, ['US'], ['Horror', 'Thriller', 'Adventure'], ['shark', 'beach town', 'police chief', 'fishing boat'],
     [('Roy Scheider', 'Martin Brody'), ('Robert Shaw', 'Quint'), ('Richard Dreyfuss', 'Matt Hooper'), ('Lorraine Gary', 'Ellen Brody'), ('Murray Hamilton', 'Larry Vaughn')],
     ['Steven Spielberg'], None,
     'A police chief, a marine biologist and a grizzled fisherman set out to hunt the great white shark that is terrorising a summer resort town.',
     'A swimmer glides across the surface while an enormous shark rises toward her from the dark water below.'),
    (105, 'Back to the Future', '1985-07-03', 116, 8.3, 60.7, ['US'], ['Adventure', 'Comedy', 'Science Fiction'], ['time travel', 'high school', 'parents', 'car'],
     [('Michael J. Fox', 'Marty McFly'), ('Christopher Lloyd', 'Emmett Brown'), ('Lea Thompson', 'Lorraine Baines'), ('Crispin Glover', 'George McFly'), ('Thomas F. Wilson', 'Biff Tannen')],
     ['Robert Zemeckis'], 'Back to the Future Collection',
     'A teenager is sent thirty years into the past in a scientist’s time machine and must make sure his parents fall in love so that he can exist.',
     'A teenager in a puffy vest steps out of a steel sports car trailing lines of fire, checking his watch.'),
    (289, 'Casablanca', '1942-11-26', 102, 8.2, 24.3, ['US'], ['Drama', 'Romance'], ['nightclub', 'world war ii', 'letters of transit', 'morocco'],
     [('Humphrey Bogart', 'Rick Blaine'), ('Ingrid Bergman', 'Ilsa Lund'), ('Paul Henreid', 'Victor Laszlo'), ('Claude Rains', 'Captain Louis Renault'), ('Conrad Veidt', 'Major Strasser')],
     ['Michael Curtiz'], None,
     'A cynical nightclub owner in wartime Morocco is torn when the woman who left him walks in with her resistance-leader husband, needing his help to escape.',
     'A man in a trench coat and fedora and a woman in soft focus, painted in warm tones above a row of palm trees.'),
    (278, 'The Shawshank Redemption', '1994-09-23', 142, 8.7, 90.4, ['US'], ['Drama', 'Crime'], ['prison', 'friendship', 'hope', 'escape'],
     [('Tim Robbins', 'Andy Dufresne'), ('Morgan Freeman', 'Ellis Boyd "Red" Redding'), ('Bob Gunton', 'Warden Samuel Norton'), ('William Sadler', 'Heywood'), ('Clancy Brown', 'Captain Byron T. Hadley')],
     ['Frank Darabont'], None,
     'A banker sentenced to life for a murder he says he did not commit finds friendship and quiet defiance over two decades in a brutal prison.',
     'A man stands in the rain with his arms spread wide and his face turned to the sky.'),
    (769, 'GoodFellas', '1990-09-12', 145, 8.5, 42.6, ['US'], ['Drama', 'Crime'], ['mafia', 'informant', 'biography', 'voice-over'],
     [('Ray Liotta', 'Henry Hill'), ('Robert De Niro', 'James Conway'), ('Joe Pesci', 'Tommy DeVito'), ('Lorraine Bracco', 'Karen Hill'), ('Paul Sorvino', 'Paul Cicero')],
     ['Martin Scorsese'], None,
     'A boy from Brooklyn grows up inside the mob, living the high life for thirty years until drugs, paranoia and murder bring it all down.',
     'Three men in sharp suits stand shoulder to shoulder against a white background.'),
    (274, 'The Silence of the Lambs', '1991-02-14', 118, 8.3, 55.2, ['US'], ['Crime', 'Drama', 'Thriller'], ['serial killer', 'fbi', 'psychiatrist', 'moth'],
     [('Jodie Foster', 'Clarice Starling'), ('Anthony Hopkins', 'Dr. Hannibal Lecter'), ('Scott Glenn', 'Jack Crawford'), ('Ted Levine', 'Jame Gumb'), ('Anthony Heald', 'Dr. Frederick Chilton')],
     ['Jonathan Demme'], None,
     'A young FBI trainee seeks the insight of an imprisoned cannibal psychiatrist to catch a serial killer who skins his victims.',
     'A pale woman’s face with a moth covering her mouth, her eyes red-rimmed.'),
    (807, 'Se7en', '1995-09-22', 127, 8.4, 48.9, ['US'], ['Crime', 'Mystery', 'Thriller'], ['seven deadly sins', 'detective', 'rain', 'serial killer'],
     [('Brad Pitt', 'David Mills'), ('Morgan Freeman', 'William Somerset'), ('Gwyneth Paltrow', 'Tracy Mills'), ('Kevin Spacey', 'John Doe'), ('R. Lee Ermey', 'Police Captain')],
     ['David Fincher'], None,
     'A retiring detective and his hot-headed replacement hunt a killer who stages each murder after one of the seven deadly sins.',
     'Two detectives’ faces in grey shadow above rain-streaked lettering.'),
    (8587, 'The Lion King', '1994-06-24', 89, 8.3, 81.3, ['US'], ['Family', 'Animation', 'Drama'], ['africa', 'lion', 'coming of age', 'musical'],
     [('Matthew Broderick', 'Simba (voice)'), ('James Earl Jones', 'Mufasa (voice)'), ('Jeremy Irons', 'Scar (voice)'), ('Nathan Lane', 'Timon (voice)'), ('Ernie Sabella', 'Pumbaa (voice)')],
     ['Roger Allers', 'Rob Minkoff'], 'The Lion King Collection',
     'A lion cub flees his kingdom after his father’s death, which his uncle blames on him, and must grow up to reclaim his place.',
     'An adult lion’s face fills a fiery sky above a young cub on a rock.'),
    (12, 'Finding Nemo', '2003-05-30', 100, 7.8, 66.9, ['US'], ['Animation', 'Family'], ['clownfish', 'ocean', 'father son relationship', 'sydney'],
     [('Albert Brooks', 'Marlin (voice)'), ('Ellen DeGeneres', 'Dory (voice)'), ('Alexander Gould', 'Nemo (voice)'), ('Willem Dafoe', 'Gill (voice)'), ('Brad Garrett', 'Bloat (voice)')],
     ['Andrew Stanton'], 'Finding Nemo Collection',
     'An anxious clownfish crosses the ocean with a forgetful blue tang to find his son, who has been taken to a dentist’s aquarium in Sydney.',
     'A small orange and white fish swims in bright blue water next to a cheerful blue fish.'),
    (14160, 'Up', '2009-05-28', 96, 7.9, 58.3, ['US'], ['Animation', 'Comedy', 'Family', 'Adventure'], ['balloon', 'widower', 'south america', 'talking dog'],
     [('Ed Asner', 'Carl Fredricksen (voice)'), ('Jordan Nagai', 'Russell (voice)'), ('Christopher Plummer', 'Charles Muntz (voice)'), ('Bob Peterson', 'Dug (voice)'), ('Delroy Lindo', 'Beta (voice)')],
     ['Pete Docter'], None,
     'A grumpy widower ties thousands of balloons to his house to fly to South America and finds an eager young scout stowed away on his porch.',
     'A small house lifted into the clouds by a huge bunch of colourful balloons.'),
    (150540, 'Inside Out', '2015-06-09', 95, 7.9, 54.0, ['US'], ['Animation', 'Family', 'Adventure', 'Drama', 'Comedy'], ['emotions', 'memory', 'moving house', 'sadness'],
     [('Amy Poehler', 'Joy (voice)'), ('Phyllis Smith', 'Sadness (voice)'), ('Bill Hader', 'Fear (voice)'), ('Lewis Black', 'Anger (voice)'), ('Mindy Kaling', 'Disgust (voice)')],
     ['Pete Docter'], 'Inside Out Collection',
     'When an eleven-year-old girl moves to a new city, the emotions that run her mind struggle over what she should feel and remember.',
     'Five colourful cartoon emotions crowd around a glowing control desk.'),
    (2062, 'Ratatouille', '2007-06-28', 111, 7.8, 49.7, ['US'], ['Animation', 'Comedy', 'Family', 'Fantasy'], ['rat', 'chef', 'paris', 'restaurant'],
     [('Patton Oswalt', 'Remy (voice)'), ('Lou Romano', 'Alfredo Linguini (voice)'), ('Ian Holm', 'Skinner (voice)'), ('Janeane Garofalo', 'Colette (voice)'), ("Peter O'Toole", 'Anton Ego (voice)')],
     ['Brad Bird'], None,
     'A rat with a gifted nose teams up with a clumsy kitchen boy to cook in one of the finest restaurants of Paris.',
     'A small blue-grey rat holds a sprig of herbs in front of the Paris skyline at night.'),
    (9806, 'The Incredibles', '2004-10-27', 115, 7.7, 60.5, ['US'], ['Action', 'Adventure', 'Animation', 'Family'], ['superhero', 'family', 'retirement', 'island lair'],
     [('Craig T. Nelson', 'Bob Parr (voice)'), ('Holly Hunter', 'Helen Parr (voice)'), ('Samuel L. Jackson', 'Lucius Best (voice)'), ('Jason Lee', 'Buddy Pine (voice)'), ('Sarah Vowell', 'Violet Parr (voice)')],
     ['Brad Bird'], 'The Incredibles Collection',
     'A family of undercover superheroes living a quiet suburban life is drawn back into action when a mysterious summons reaches the father.',
     'A family in matching red suits strikes a heroic pose against an orange sky.'),
    (98, 'Gladiator', '2000-05-01', 155, 8.2, 71.0, ['GB', 'US'], ['Action', 'Drama', 'Adventure'], ['roman empire', 'arena', 'revenge', 'slavery'],
     [('Russell Crowe', 'Maximus'), ('Joaquin Phoenix', 'Commodus'), ('Connie Nielsen', 'Lucilla'), ('Oliver Reed', 'Proximo'), ('Richard Harris', 'Marcus Aurelius')],
     ['Ridley Scott'], 'Gladiator Collection',
     'A Roman general betrayed by the emperor’s son is sold into slavery and fights his way through the arenas toward revenge in Rome.',
     'A warrior in armour stands with a sword at his side in a dusty golden arena.'),
    (1422, 'The Departed', '2006-10-05', 151, 8.2, 43.2, ['US'], ['Drama', 'Thriller', 'Crime'], ['undercover', 'boston', 'mole', 'irish mob'],
     [('Leonardo DiCaprio', 'Billy Costigan'), ('Matt Damon', 'Colin Sullivan'), ('Jack Nicholson', 'Frank Costello'), ('Mark Wahlberg', 'Sean Dignam'), ('Vera Farmiga', 'Madolyn')],
     ['Martin Scorsese'], None,
     'An undercover cop inside the Irish mob and a mob mole inside the Massachusetts police race to unmask each other.',
     'Four men’s faces stacked in grey and blue above the Boston skyline.'),
    (77, 'Memento', '2000-10-11', 113, 8.2, 30.5, ['US'], ['Mystery', 'Thriller'], ['amnesia', 'tattoo', 'polaroid', 'reverse chronology'],
     [('Guy Pearce', 'Leonard Shelby'), ('Carrie-Anne Moss', 'Natalie'), ('Joe Pantoliano', 'Teddy Gammell'), ('Mark Boone Junior', 'Burt'), ('Stephen Tobolowsky', 'Sammy Jankis')],
     ['Christopher Nolan'], None,
     'A man who cannot form new memories hunts his wife’s killer with tattoos, notes and instant photographs, his story told backwards.',
     'A blurred polaroid of a man’s face, shaken mid-development.'),
    (1124, 'The Prestige', '2006-10-17', 130, 8.2, 40.9, ['GB', 'US'], ['Drama', 'Mystery', 'Science Fiction'], ['magician', 'rivalry', 'victorian london', 'obsession'],
     [('Hugh Jackman', 'Robert Angier'), ('Christian Bale', 'Alfred Borden'), ('Michael Caine', 'Cutter'), ('Scarlett Johansson', 'Olivia Wenscombe'), ('David Bowie', 'Nikola Tesla')],
     ['Christopher Nolan'], None,
     'Two stage magicians in Victorian London turn a rivalry over one trick into an obsession that costs them everything.',
     'Two men in top hats face away from each other under a lattice of electric sparks.'),
    (275, 'Fargo', '1996-03-08', 98, 7.9, 28.4, ['US', 'GB'], ['Crime', 'Drama', 'Thriller'], ['kidnapping', 'snow', 'pregnant police officer', 'minnesota'],
     [('Frances McDormand', 'Marge Gunderson'), ('William H. Macy', 'Jerry Lundegaard'), ('Steve Buscemi', 'Carl Showalter'), ('Peter Stormare', 'Gaear Grimsrud'), ('Harve Presnell', 'Wade Gustafson')],
     ['Joel Coen'], None,
     'A debt-ridden car salesman hires two criminals to kidnap his wife, and a very pregnant small-town police chief follows the bloody trail.',
     'A frozen white landscape crossed by a single line of footprints toward a parked car.'),
    (115, 'The Big Lebowski', '1998-03-06', 117, 7.8, 33.6, ['US', 'GB'], ['Comedy', 'Crime'], ['bowling', 'mistaken identity', 'rug', 'los angeles'],
     [('Jeff Bridges', 'The Dude'), ('John Goodman', 'Walter Sobchak'), ('Julianne Moore', 'Maude Lebowski'), ('Steve Buscemi', 'Donny'), ('Philip Seymour Hoffman', 'Brandt')],
     ['Joel Coen'], None,
     'A laid-back bowler mistaken for a millionaire of the same name is pulled into a kidnapping scheme after thugs ruin his rug.',
     'A bearded man in a bathrobe floats among bowling pins against a starry purple sky.'),
    (6977, 'No Country for Old Men', '2007-11-08', 122, 8.0, 31.9, ['US'], ['Crime', 'Drama', 'Thriller'], ['drug money', 'texas', 'hitman', 'sheriff'],
     [('Tommy Lee Jones', 'Ed Tom Bell'), ('Javier Bardem', 'Anton Chigurh'), ('Josh Brolin', 'Llewelyn Moss'), ('Woody Harrelson', 'Carson Wells'), ('Kelly Macdonald', 'Carla Jean Moss')],
     ['Joel Coen', 'Ethan Coen'], None,
     'A hunter who takes the cash from a drug deal gone wrong in the Texas desert is pursued by a relentless killer and an ageing sheriff.',
     'A man with a rifle walks across a flat desert under a wide red dusk.'),
    (279, 'Amadeus', '1984-09-19', 160, 8.0, 22.1, ['US'], ['History', 'Music', 'Drama'], ['composer', 'vienna', 'jealousy', 'opera'],
     [('F. Murray Abraham', 'Antonio Salieri'), ('Tom Hulce', 'Wolfgang Amadeus Mozart'), ('Elizabeth Berridge', 'Constanze Mozart'), ('Jeffrey Jones', 'Emperor Joseph II'), ('Roy Dotrice', 'Leopold Mozart')],
     ['Miloš Forman'], None,
     'The court composer Salieri, old and in an asylum, confesses his jealousy of the vulgar young genius Mozart.',
     'A powdered wig and a mask beside a sheet of handwritten music in candlelight.'),
    (103, 'Taxi Driver', '1976-02-08', 114, 8.1, 35.8, ['US'], ['Crime', 'Drama'], ['new york city', 'insomnia', 'vigilante', 'loneliness'],
     [('Robert De Niro', 'Travis Bickle'), ('Jodie Foster', 'Iris Steensma'), ('Cybill Shepherd', 'Betsy'), ('Harvey Keitel', 'Matthew "Sport" Higgins'), ('Peter Boyle', 'Wizard')],
     ['Martin Scorsese'], None,
     'A lonely Vietnam veteran driving a night cab through New York slides toward violence as he decides to save a runaway.',
     'A man in a jacket walks past a row of neon-lit storefronts at night.'),
    (539, 'Psycho', '1960-06-22', 109, 8.4, 29.0, ['US'], ['Horror', 'Drama', 'Thriller'], ['motel', 'shower', 'stolen money', 'mother'],
     [('Anthony Perkins', 'Norman Bates'), ('Janet Leigh', 'Marion Crane'), ('Vera Miles', 'Lila Crane'), ('John Gavin', 'Sam Loomis'), ('Martin Balsam', 'Milton Arbogast')],
     ['Alfred Hitchcock'], None,
     'A secretary on the run with stolen money stops at a remote motel run by a shy young man devoted to his mother.',
     'Black and white lettering split by jagged lines, a frightened woman’s face in the gaps.'),
    (426, 'Vertigo', '1958-05-09', 128, 8.1, 20.4, ['US'], ['Mystery', 'Romance', 'Thriller'], ['acrophobia', 'san francisco', 'obsession', 'double'],
     [('James Stewart', 'John "Scottie" Ferguson'), ('Kim Novak', 'Madeleine Elster / Judy Barton'), ('Barbara Bel Geddes', 'Midge Wood'), ('Tom Helmore', 'Gavin Elster'), ('Henry Jones', 'Coroner')],
     ['Alfred Hitchcock'], None,
     'A retired detective with a fear of heights is hired to follow an old friend’s wife and becomes dangerously obsessed with her.',
     'A spiral of orange and white lines pulls a falling silhouette into its centre.'),
    (62, '2001: A Space Odyssey', '1968-04-02', 149, 8.1, 34.7, ['GB', 'US'], ['Science Fiction', 'Mystery', 'Adventure'], ['monolith', 'artificial intelligence', 'jupiter', 'evolution'],
     [('Keir Dullea', 'Dr. Dave Bowman'), ('Gary Lockwood', 'Dr. Frank Poole'), ('William Sylvester', 'Dr. Heywood R. Floyd'), ('Daniel Richter', 'Moonwatcher'), ('Douglas Rain', 'HAL 9000 (voice)')],
     ['Stanley Kubrick'], None,
     'A black monolith appears at the dawn of humanity and again on the Moon, sending a crew and their thinking computer toward Jupiter.',
     'A white space station turns slowly against black space above a blue planet.'),
    (85, 'Raiders of the Lost Ark', '1981-06-12', 115, 7.9, 40.3, ['US'], ['Adventure', 'Action'], ['archaeologist', 'ark of the covenant', 'nazi', 'whip'],
     [('Harrison Ford', 'Indiana Jones'), ('Karen Allen', 'Marion Ravenwood'), ('Paul Freeman', 'René Belloq'), ('John Rhys-Davies', 'Sallah'), ('Denholm Elliott', 'Marcus Brody')],
     ['Steven Spielberg'], 'Indiana Jones Collection',
     'An archaeologist with a whip and a fear of snakes races Nazi agents to find the Ark of the Covenant.',
     'A man in a fedora with a coiled whip stands in a temple as a golden idol glints behind him.'),
    (601, 'E.T. the Extra-Terrestrial', '1982-06-11', 115, 7.5, 35.5, ['US'], ['Science Fiction', 'Adventure', 'Family', 'Fantasy'], ['alien', 'friendship', 'bicycle', 'suburb'],
     [('Henry Thomas', 'Elliott'), ('Dee Wallace', 'Mary'), ('Drew Barrymore', 'Gertie'), ('Robert MacNaughton', 'Michael'), ('Peter Coyote', 'Keys')],
     ['Steven Spielberg'], None,
     'A lonely boy hides a gentle alien stranded on Earth and helps it find a way home before the government finds it.',
     'A bicycle with a small passenger in its basket flies across a huge full moon.'),
    (280, 'Terminator 2: Judgment Day', '1991-07-03', 137, 8.1, 52.6, ['US', 'FR'], ['Action', 'Thriller', 'Science Fiction'], ['cyborg', 'time travel', 'liquid metal', 'judgment day'],
     [('Arnold Schwarzenegger', 'The Terminator'), ('Linda Hamilton', 'Sarah Connor'), ('Edward Furlong', 'John Connor'), ('Robert Patrick', 'T-1000'), ('Joe Morton', 'Miles Dyson')],
     ['James Cameron'], 'The Terminator Collection',
     'A reprogrammed cyborg is sent back in time to protect a boy who will lead humanity, against a liquid-metal killer sent to end him.',
     'A man in sunglasses and a leather jacket holds a shotgun, half his face revealing metal.'),
    (562, 'Die Hard', '1988-07-15', 132, 7.8, 41.7, ['US'], ['Action', 'Thriller'], ['skyscraper', 'hostage', 'christmas', 'terrorist'],
     [('Bruce Willis', 'John McClane'), ('Alan Rickman', 'Hans Gruber'), ('Bonnie Bedelia', 'Holly Gennaro McClane'), ('Reginald VelJohnson', 'Sgt. Al Powell'), ('Alexander Godunov', 'Karl')],
     ['John McTiernan'], 'Die Hard Collection',
     'A New York cop visiting his estranged wife’s office party in Los Angeles fights alone when thieves posing as terrorists seize the tower.',
     'A barefoot man in a vest stands before a skyscraper with an explosion bursting from its upper floors.'),
    (153, 'Lost in Translation', '2003-08-31', 102, 7.4, 25.6, ['US', 'JP'], ['Drama', 'Comedy', 'Romance'], ['tokyo', 'hotel', 'loneliness', 'karaoke'],
     [('Bill Murray', 'Bob Harris'), ('Scarlett Johansson', 'Charlotte'), ('Giovanni Ribisi', 'John'), ('Anna Faris', 'Kelly'), ('Fumihiro Hayashi', 'Charlie Brown')],
     ['Sofia Coppola'], None,
     'A fading American actor and a young woman left alone by her husband form an unlikely bond in a Tokyo hotel.',
     'A man in a kimono robe sits on a hotel bed, the neon city through the window behind him.'),
    (152601, 'Her', '2013-12-18', 126, 7.8, 28.7, ['US'], ['Romance', 'Science Fiction', 'Drama'], ['artificial intelligence', 'loneliness', 'divorce', 'operating system'],
     [('Joaquin Phoenix', 'Theodore Twombly'), ('Scarlett Johansson', 'Samantha (voice)'), ('Amy Adams', 'Amy'), ('Rooney Mara', 'Catherine'), ('Olivia Wilde', 'Blind Date')],
     ['Spike Jonze'], None,
     'A lonely writer in near-future Los Angeles falls in love with the warm, curious voice of his new operating system.',
     'A man with a moustache in a red shirt against a soft pink background, smiling faintly.'),
    (376867, 'Moonlight', '2016-10-21', 111, 7.4, 24.1, ['US'], ['Drama'], ['miami', 'coming of age', 'identity', 'masculinity'],
     [('Trevante Rhodes', 'Chiron (adult)'), ('Ashton Sanders', 'Chiron (teen)'), ('Alex Hibbert', 'Chiron (child)'), ('Mahershala Ali', 'Juan'), ('Naomie Harris', 'Paula')],
     ['Barry Jenkins'], None,
     'Three chapters in the life of a young Black man growing up in Miami, searching for who he is and whom he may love.',
     'A face split into three bands of blue, purple and pink, each from a different age.'),
    (38, 'Eternal Sunshine of the Spotless Mind', '2004-03-19', 108, 8.1, 31.0, ['US'], ['Science Fiction', 'Drama', 'Romance'], ['memory erasure', 'break-up', 'montauk', 'nonlinear timeline'],
     [('Jim Carrey', 'Joel Barish'), ('Kate Winslet', 'Clementine Kruczynski'), ('Kirsten Dunst', 'Mary Svevo'), ('Mark Ruffalo', 'Stan Fink'), ('Elijah Wood', 'Patrick')],
     ['Michel Gondry'], None,
     'After his ex-girlfriend has him erased from her memory, a shy man undergoes the same procedure and tries to hold on to her from inside his mind.',
     'A couple lies on cracked ice, looking up at a night sky.'),
    (489, 'Good Will Hunting', '1997-12-05', 127, 8.1, 37.5, ['US'], ['Drama'], ['mathematician', 'therapy', 'boston', 'janitor'],
     [('Matt Damon', 'Will Hunting'), ('Robin Williams', 'Sean Maguire'), ('Ben Affleck', 'Chuckie Sullivan'), ('Stellan Skarsgård', 'Gerald Lambeau'), ('Minnie Driver', 'Skylar')],
     ['Gus Van Sant'], None,
     'A janitor at MIT with a genius for mathematics works through his past with a widowed therapist who will not give up on him.',
     'Two men sit side by side on a park bench by a pond.'),
    (37165, 'The Truman Show', '1998-06-04', 103, 8.1, 42.4, ['US'], ['Comedy', 'Drama'], ['reality show', 'hidden camera', 'small town', 'truth'],
     [('Jim Carrey', 'Truman Burbank'), ('Laura Linney', 'Meryl Burbank'), ('Ed Harris', 'Christof'), ('Noah Emmerich', 'Marlon'), ('Natascha McElhone', 'Lauren Garland')],
     ['Peter Weir'], None,
     'An insurance salesman slowly discovers that his whole life is a television show watched around the clock by the world.',
     'A smiling man’s face made of a mosaic of hundreds of small television frames.'),
    (137, 'Groundhog Day', '1993-02-11', 101, 7.6, 25.9, ['US'], ['Romance', 'Fantasy', 'Drama', 'Comedy'], ['time loop', 'weatherman', 'small town', 'groundhog'],
     [('Bill Murray', 'Phil Connors'), ('Andie MacDowell', 'Rita Hanson'), ('Chris Elliott', 'Larry'), ('Stephen Tobolowsky', 'Ned Ryerson'), ('Brian Doyle-Murray', 'Buster Green')],
     ['Harold Ramis'], None,
     'A cynical TV weatherman covering a small-town festival finds himself living the same day over and over again.',
     'A man holding a groundhog stands in front of a clock, looking resigned.'),
    (324857, 'Spider-Man: Into the Spider-Verse', '2018-12-06', 117, 8.4, 74.3, ['US'], ['Action', 'Adventure', 'Animation', 'Science Fiction'], ['multiverse', 'teenager', 'brooklyn', 'mentor'],
     [('Shameik Moore', 'Miles Morales (voice)'), ('Jake Johnson', 'Peter B. Parker (voice)'), ('Hailee Steinfeld', 'Gwen Stacy (voice)'), ('Mahershala Ali', 'Uncle Aaron (voice)'), ('Liev Schreiber', 'Kingpin (voice)')],
     ['Bob Persichetti', 'Peter Ramsey', 'Rodney Rothman'], 'Spider-Man: Spider-Verse Collection',
     'Brooklyn teenager Miles Morales becomes Spider-Man and meets spider-people from other dimensions who must all get home.',
     'A teenager in a black suit with a red spider falls head first between graffiti-covered buildings.'),
    (438631, 'Dune', '2021-09-15', 155, 7.8, 85.6, ['US', 'CA'], ['Science Fiction', 'Adventure'], ['desert planet', 'spice', 'prophecy', 'sandworm'],
     [('Timothée Chalamet', 'Paul Atreides'), ('Rebecca Ferguson', 'Lady Jessica Atreides'), ('Oscar Isaac', 'Duke Leto Atreides'), ('Zendaya', 'Chani'), ('Josh Brolin', 'Gurney Halleck')],
     ['Denis Villeneuve'], 'Dune Collection',
     'The heir of a noble house travels to the most dangerous planet in the universe, the only source of a precious spice, where his family is betrayed.',
     'A young man in a stillsuit stands on a dune under an orange sky, a vast shape rising in the sand behind him.'),
    (872585, 'Oppenheimer', '2023-07-19', 181, 8.1, 96.4, ['US', 'GB'], ['Drama', 'History'], ['atomic bomb', 'physicist', 'los alamos', 'security hearing'],
     [('Cillian Murphy', 'J. Robert Oppenheimer'), ('Emily Blunt', 'Kitty Oppenheimer'), ('Matt Damon', 'Leslie Groves'), ('Robert Downey Jr.', 'Lewis Strauss'), ('Florence Pugh', 'Jean Tatlock')],
     ['Christopher Nolan'], None,
     'The physicist who led the Manhattan Project builds the atomic bomb and later faces a hearing that questions his loyalty.',
     'A man in a wide-brimmed hat stands before a wall of fire and sparks.'),
    (426426, 'Roma', '2018-08-21', 135, 7.7, 18.3, ['MX', 'US'], ['Drama'], ['mexico city', 'housekeeper', 'black and white', '1970s'],
     [('Yalitza Aparicio', 'Cleo'), ('Marina de Tavira', 'Sofía'), ('Diego Cortina Autrey', 'Toño'), ('Carlos Peralta', 'Paco'), ('Nancy García García', 'Adela')],
     ['Alfonso Cuarón'], None,
     'A year in the life of a live-in housekeeper to a middle-class family in Mexico City in the early 1970s.',
     'A black and white image of a woman and children holding each other on a beach.'),
    (398818, 'Call Me by Your Name', '2017-07-28', 132, 8.1, 26.8, ['IT', 'FR', 'US', 'BR'], ['Romance', 'Drama'], ['italy', 'summer', 'first love', 'peach'],
     [('Timothée Chalamet', 'Elio Perlman'), ('Armie Hammer', 'Oliver'), ('Michael Stuhlbarg', 'Mr. Perlman'), ('Amira Casar', 'Annella Perlman'), ('Esther Garrel', 'Marzia')],
     ['Luca Guadagnino'], None,
     'In the Italian summer of 1983 a seventeen-year-old falls for the graduate student staying with his family.',
     'Two young men lean together against a bright blue summer sky.'),
    (331482, 'Little Women', '2019-12-25', 135, 7.9, 30.2, ['US'], ['Drama', 'Romance', 'History'], ['sisters', 'writer', 'civil war', 'based on novel'],
     [('Saoirse Ronan', 'Jo March'), ('Emma Watson', 'Meg March'), ('Florence Pugh', 'Amy March'), ('Eliza Scanlen', 'Beth March'), ('Timothée Chalamet', 'Laurie')],
     ['Greta Gerwig'], None,
     'Jo March looks back on growing up with her three sisters in Massachusetts as she tries to live by writing.',
     'Four young women in period dresses lie in a circle on the grass, laughing.'),
    (284054, 'Black Panther', '2018-02-13', 134, 7.4, 66.2, ['US'], ['Action', 'Adventure', 'Science Fiction'], ['superhero', 'africa', 'king', 'vibranium'],
     [('Chadwick Boseman', "T'Challa / Black Panther"), ('Michael B. Jordan', 'Erik Killmonger'), ("Lupita Nyong'o", 'Nakia'), ('Danai Gurira', 'Okoye'), ('Letitia Wright', 'Shuri')],
     ['Ryan Coogler'], 'Black Panther Collection',
     'The new king of a hidden, technologically advanced African nation must defend his throne from a challenger with a claim of his own.',
     'A figure in a sleek black suit crouches before a purple-lit skyline.'),
    (128, 'Princess Mononoke', '1997-07-12', 134, 8.3, 54.7, ['JP'], ['Adventure', 'Fantasy', 'Animation'], ['forest spirit', 'curse', 'wolf', 'ironworks'],
     [('Yôji Matsuda', 'Ashitaka (voice)'), ('Yuriko Ishida', 'San (voice)'), ('Yûko Tanaka', 'Eboshi (voice)'), ('Kaoru Kobayashi', 'Jiko-bô (voice)'), ('Akihiro Miwa', 'Moro (voice)')],
     ['Hayao Miyazaki'], None,
     'A cursed young prince travels west and finds himself between the gods of the forest and a town that mines iron.',
     'A girl with a blood-marked face rides a giant white wolf through a green forest.'),
    (16859, "Kiki's Delivery Service", '1989-07-29', 103, 7.8, 38.9, ['JP'], ['Animation', 'Family', 'Fantasy'], ['witch', 'delivery', 'black cat', 'seaside town'],
     [('Minami Takayama', 'Kiki (voice)'), ('Rei Sakuma', 'Jiji (voice)'), ('Kappei Yamaguchi', 'Tombo (voice)'), ('Keiko Toda', 'Osono (voice)'), ('Mieko Nobusawa', 'Kokiri (voice)')],
     ['Hayao Miyazaki'], None,
     'A thirteen-year-old witch moves to a seaside town with her talking cat and starts a flying delivery service.',
     'A girl in a dark dress flies on a broom above red roofs with a black cat on the handle.'),
    (372058, 'Your Name.', '2016-08-26', 106, 8.5, 64.0, ['JP'], ['Romance', 'Animation', 'Drama'], ['body swap', 'comet', 'small town', 'tokyo'],
     [('Ryûnosuke Kamiki', 'Taki Tachibana (voice)'), ('Mone Kamishiraishi', 'Mitsuha Miyamizu (voice)'), ('Ryô Narita', 'Katsuhiko Teshigawara (voice)'), ('Aoi Yûki', 'Sayaka Natori (voice)'), ('Nobunaga Shimazaki', 'Tsukasa Fujii (voice)')],
     ['Makoto Shinkai'], None,
     'A Tokyo boy and a country girl who have never met begin waking up in each other’s bodies, and a comet is coming.',
     'Two teenagers stand in a luminous twilight landscape beneath a comet splitting across the sky.'),
    (149, 'Akira', '1988-07-16', 124, 7.9, 35.2, ['JP'], ['Animation', 'Science Fiction', 'Action'], ['neo-tokyo', 'biker gang', 'psychic powers', 'dystopia'],
     [('Mitsuo Iwata', 'Shôtarô Kaneda (voice)'), ('Nozomu Sasaki', 'Tetsuo Shima (voice)'), ('Mami Koyama', 'Kei (voice)'), ('Tesshô Genda', 'Ryûsaku (voice)'), ('Tarô Ishida', 'Colonel Shikishima (voice)')],
     ['Katsuhiro Otomo'], None,
     'In Neo-Tokyo after the Third World War, a biker’s friend gains terrible psychic powers after an accident with a government project.',
     'A young man in a red jacket walks toward a futuristic red motorcycle in a ruined city.'),
    (843, 'In the Mood for Love', '2000-09-29', 98, 8.1, 19.8, ['HK', 'FR'], ['Drama', 'Romance'], ['hong kong', '1960s', 'adultery', 'neighbours'],
     [('Tony Leung Chiu-wai', 'Chow Mo-wan'), ('Maggie Cheung', 'Su Li-zhen'), ('Siu Ping-lam', 'Ah Ping'), ('Rebecca Pan', 'Mrs. Suen'), ('Lai Chen', 'Mr. Ho')],
     ['Wong Kar-wai'], None,
     'In 1962 Hong Kong, two neighbours who suspect their spouses of an affair grow close while promising not to become like them.',
     'A woman in a patterned qipao and a man in a suit lean apart in a narrow stairway lit in warm red.'),
    (548, 'Rashomon', '1950-08-26', 88, 8.0, 14.6, ['JP'], ['Crime', 'Drama', 'Mystery'], ['rain', 'samurai', 'testimony', 'unreliable narrator'],
     [('Toshirô Mifune', 'Tajômaru'), ('Machiko Kyô', 'Masako Kanazawa'), ('Masayuki Mori', 'Takehiro Kanazawa'), ('Takashi Shimura', 'Woodcutter'), ('Minoru Chiaki', 'Priest')],
     ['Akira Kurosawa'], None,
     'A bandit, a samurai’s wife, the samurai’s spirit and a woodcutter give four contradictory accounts of a crime in a forest.',
     'Three figures shelter beneath a ruined stone gate in heavy rain.'),
    (598, 'City of God', '2002-08-30', 130, 8.4, 26.3, ['BR', 'FR'], ['Drama', 'Crime'], ['rio de janeiro', 'favela', 'photographer', 'gang war'],
     [('Alexandre Rodrigues', 'Buscapé'), ('Leandro Firmino', 'Zé Pequeno'), ('Phellipe Haagensen', 'Bené'), ('Douglas Silva', 'Dadinho'), ('Seu Jorge', 'Mané Galinha')],
     ['Fernando Meirelles'], None,
     'A boy who wants to be a photographer grows up in a Rio favela as two childhood friends become rival drug lords.',
     'A boy with a camera stands among armed teenagers in a sunlit street.'),
    (637, 'Life Is Beautiful', '1997-12-20', 116, 8.5, 30.8, ['IT'], ['Comedy', 'Drama'], ['holocaust', 'father son relationship', 'concentration camp', 'game'],
     [('Roberto Benigni', 'Guido Orefice'), ('Nicoletta Braschi', 'Dora'), ('Giorgio Cantarini', 'Giosuè Orefice'), ('Giustino Durano', 'Eliseo Orefice'), ('Horst Buchholz', 'Dr. Lessing')],
     ['Roberto Benigni'], None,
     'A Jewish Italian bookshop owner uses humour and imagination to shield his young son from the horrors of a concentration camp.',
     'A man carries a laughing boy on his shoulders through a golden field.'),
    (582, 'The Lives of Others', '2006-03-15', 137, 8.1, 17.2, ['DE'], ['Drama', 'Thriller'], ['stasi', 'surveillance', 'east berlin', 'playwright'],
     [('Ulrich Mühe', 'Hauptmann Gerd Wiesler'), ('Martina Gedeck', 'Christa-Maria Sieland'), ('Sebastian Koch', 'Georg Dreyman'), ('Ulrich Tukur', 'Oberstleutnant Anton Grubitz'), ('Thomas Thieme', 'Minister Bruno Hempf')],
     ['Florian Henckel von Donnersmarck'], None,
     'A Stasi officer listening in on a playwright and his actress lover in 1984 East Berlin becomes absorbed in their lives.',
     'A man wearing headphones sits in a grey attic listening, his face impassive.'),
    (104, 'Run Lola Run', '1998-08-20', 81, 7.7, 16.5, ['DE'], ['Action', 'Drama', 'Thriller'], ['berlin', 'race against time', 'alternate timeline', 'techno'],
     [('Franka Potente', 'Lola'), ('Moritz Bleibtreu', 'Manni'), ('Herbert Knaup', "Lola's Father"), ('Nina Petri', 'Jutta Hansen'), ('Armin Rohde', 'Mr. Schuster')],
     ['Tom Tykwer'], None,
     'Lola has twenty minutes to find 100,000 marks to save her boyfriend, and the film runs her race three times.',
     'A woman with bright red hair sprints across a Berlin street.'),
    (396535, 'Train to Busan', '2016-07-20', 118, 7.8, 32.4, ['KR'], ['Horror', 'Thriller', 'Action'], ['zombie', 'train', 'father daughter relationship', 'outbreak'],
     [('Gong Yoo', 'Seok-woo'), ('Jung Yu-mi', 'Seong-kyeong'), ('Ma Dong-seok', 'Sang-hwa'), ('Kim Su-an', 'Su-an'), ('Kim Eui-sung', 'Yon-suk')],
     ['Yeon Sang-ho'], 'Train to Busan Collection',
     'A busy fund manager and his young daughter board a high-speed train to Busan just as a zombie outbreak sweeps the country.',
     'Passengers press against the windows of a speeding train as figures chase it across the tracks.'),
    (290098, 'The Handmaiden', '2016-06-01', 145, 8.2, 21.7, ['KR'], ['Thriller', 'Drama', 'Romance'], ['con artist', 'heiress', '1930s', 'korea'],
     [('Kim Min-hee', 'Lady Hideko'), ('Kim Tae-ri', 'Sook-hee'), ('Ha Jung-woo', 'Count Fujiwara'), ('Cho Jin-woong', 'Uncle Kouzuki'), ('Kim Hae-sook', 'Madam Sasaki')],
     ['Park Chan-wook'], None,
     'A pickpocket is hired as maid to a secluded Japanese heiress in 1930s Korea as part of a swindler’s plan, but nothing goes as planned.',
     'Two women in period clothes sit close together in a dim, ornate library.'),
    (505192, 'Shoplifters', '2018-06-02', 121, 7.9, 16.8, ['JP'], ['Drama', 'Crime'], ['found family', 'poverty', 'tokyo', 'shoplifting'],
     [('Lily Franky', 'Osamu Shibata'), ('Sakura Andô', 'Nobuyo Shibata'), ('Mayu Matsuoka', 'Aki Shibata'), ('Kirin Kiki', 'Hatsue Shibata'), ('Jyo Kairi', 'Shota Shibata')],
     ['Hirokazu Kore-eda'], None,
     'A family of small-time shoplifters takes in a little girl they find out in the cold, and their fragile bonds are tested.',
     'A family crowds together on a porch watching fireworks they cannot see.'),
    (580175, 'Another Round', '2020-09-24', 117, 7.7, 19.4, ['DK', 'SE', 'NL'], ['Comedy', 'Drama'], ['teacher', 'alcohol', 'midlife crisis', 'friendship'],
     [('Mads Mikkelsen', 'Martin'), ('Thomas Bo Larsen', 'Tommy'), ('Magnus Millang', 'Nikolaj'), ('Lars Ranthe', 'Peter'), ('Maria Bonnevie', 'Anika')],
     ['Thomas Vinterberg'], None,
     'Four weary high-school teachers test a theory that life goes better with a little alcohol in the blood at all times.',
     'A man leaps in mid-air by the waterfront, arms spread, in a blur of joy.'),
    (108, 'Three Colors: Blue', '1993-09-08', 98, 7.8, 14.2, ['FR', 'PL', 'CH'], ['Drama'], ['grief', 'composer', 'paris', 'freedom'],
     [('Juliette Binoche', 'Julie Vignon'), ('Benoît Régent', 'Olivier Benoît'), ('Florence Pernel', 'Sandrine'), ('Charlotte Véry', 'Lucille'), ('Hélène Vincent', 'Journalist')],
     ['Krzysztof Kieślowski'], 'Three Colors Collection',
     'After her husband and daughter die in a car crash, a woman tries to cut herself off from everything, including his unfinished music.',
     'A woman’s face submerged in deep blue water, eyes open.'),
    (80, 'Before Sunset', '2004-02-10', 80, 7.8, 18.6, ['US', 'FR'], ['Drama', 'Romance'], ['paris', 'reunion', 'book tour', 'walking and talking'],
     [('Ethan Hawke', 'Jesse'), ('Julie Delpy', 'Céline'), ('Vernon Dobtcheff', 'Bookstore Manager'), ('Louise Lemoine Torrès', 'Journalist'), ('Rodolphe Pauly', 'Journalist')],
     ['Richard Linklater'], 'Before Collection',
     'Nine years after one night in Vienna, Jesse and Céline meet again in Paris and have until his flight leaves to talk.',
     'A man and a woman walk side by side along a Paris street in late afternoon light.'),
    (1018, 'Mulholland Drive', '2001-10-06', 147, 7.8, 22.5, ['FR', 'US'], ['Thriller', 'Drama', 'Mystery'], ['hollywood', 'amnesia', 'dream', 'actress'],
     [('Naomi Watts', 'Betty Elms / Diane Selwyn'), ('Laura Harring', 'Rita'), ('Justin Theroux', 'Adam Kesher'), ('Ann Miller', 'Coco Lenoix'), ('Dan Hedaya', 'Vincenzo Castigliane')],
     ['David Lynch'], None,
     'An aspiring actress arrives in Los Angeles and helps a woman with amnesia discover who she is, as the city turns dreamlike and sinister.',
     'A blonde woman and a dark-haired woman in a blue-lit night, a street sign reading Mulholland above them.'),
    (37799, 'The Social Network', '2010-10-01', 121, 7.4, 34.9, ['US'], ['Drama'], ['facebook', 'harvard', 'lawsuit', 'startup'],
     [('Jesse Eisenberg', 'Mark Zuckerberg'), ('Andrew Garfield', 'Eduardo Saverin'), ('Justin Timberlake', 'Sean Parker'), ('Armie Hammer', 'Cameron / Tyler Winklevoss'), ('Rooney Mara', 'Erica Albright')],
     ['David Fincher'], None,
     'A Harvard student builds a social network that makes him the youngest billionaire in the world and costs him his only friend.',
     'A young man’s face in grey tones, overlaid with the line that you do not get to 500 million friends without making a few enemies.'),
    (264660, 'Ex Machina', '2015-01-21', 108, 7.6, 29.1, ['GB', 'US'], ['Drama', 'Science Fiction'], ['artificial intelligence', 'turing test', 'isolation', 'robot'],
     [('Domhnall Gleeson', 'Caleb'), ('Alicia Vikander', 'Ava'), ('Oscar Isaac', 'Nathan'), ('Sonoya Mizuno', 'Kyoko'), ('Corey Johnson', 'Jay')],
     ['Alex Garland'], None,
     'A young programmer is invited to a reclusive CEO’s remote estate to judge whether a humanoid robot is truly conscious.',
     'A humanoid face with a translucent mesh body, lit against a black background.'),
    (9693, 'Children of Men', '2006-09-22', 109, 7.6, 24.4, ['GB', 'US'], ['Drama', 'Action', 'Thriller', 'Science Fiction'], ['infertility', 'dystopia', 'refugee', 'london'],
     [('Clive Owen', 'Theo Faron'), ('Julianne Moore', 'Julian Taylor'), ('Michael Caine', 'Jasper Palmer'), ('Clare-Hope Ashitey', 'Kee'), ('Chiwetel Ejiofor', 'Luke')],
     ['Alfonso Cuarón'], None,
     'In 2027, eighteen years after the last child was born, a disillusioned official must escort a miraculously pregnant woman to safety.',
     'A man shields a young woman as they walk through a ruined, smoke-filled street.'),
    (530385, 'Midsommar', '2019-07-03', 148, 7.1, 33.8, ['US', 'SE'], ['Horror', 'Drama', 'Mystery'], ['cult', 'sweden', 'grief', 'summer festival'],
     [('Florence Pugh', 'Dani Ardor'), ('Jack Reynor', 'Christian Hughes'), ('William Jackson Harper', 'Josh'), ('Vilhelm Blomgren', 'Pelle'), ('Will Poulter', 'Mark')],
     ['Ari Aster'], None,
     'A grieving young woman joins her boyfriend and his friends at a midsummer festival in a remote Swedish commune that slowly turns sinister.',
     'A young woman crowned with flowers weeps in a bright meadow, surrounded by smiling women in white.'),
    (242224, 'The Babadook', '2014-05-22', 94, 6.9, 19.3, ['AU', 'CA'], ['Drama', 'Horror'], ['grief', 'single mother', 'pop-up book', 'monster'],
     [('Essie Davis', 'Amelia'), ('Noah Wiseman', 'Samuel'), ('Hayley McElhinney', 'Claire'), ('Daniel Henshall', 'Robbie'), ('Barbara West', 'Gracie')],
     ['Jennifer Kent'], None,
     'A widowed mother’s troubled son insists that a monster from a sinister pop-up book is in their house.',
     'A child and his mother huddle in bed beneath a tall, dark figure in a top hat drawn in black ink.'),
    (361743, 'Top Gun: Maverick', '2022-05-21', 131, 8.2, 79.2, ['US'], ['Action', 'Drama'], ['fighter pilot', 'navy', 'mentor', 'mission'],
     [('Tom Cruise', 'Capt. Pete "Maverick" Mitchell'), ('Miles Teller', 'Lt. Bradley "Rooster" Bradshaw'), ('Jennifer Connelly', 'Penny Benjamin'), ('Jon Hamm', 'Adm. Beau "Cyclone" Simpson'), ('Glen Powell', 'Lt. Jake "Hangman" Seresin')],
     ['Joseph Kosinski'], 'Top Gun Collection',
     'After thirty years as a navy test pilot, Maverick is called back to train young aviators for a near-impossible mission.',
     'A pilot in a flight suit and sunglasses stands before fighter jets on a carrier deck at sunset.'),
    (666277, 'Past Lives', '2023-06-02', 106, 7.8, 21.5, ['US', 'KR'], ['Drama', 'Romance'], ['childhood sweetheart', 'immigration', 'new york city', 'fate'],
     [('Greta Lee', 'Nora'), ('Teo Yoo', 'Hae Sung'), ('John Magaro', 'Arthur'), ('Moon Seung-ah', 'Young Nora'), ('Leem Seung-min', 'Young Hae Sung')],
     ['Celine Song'], None,
     'Two childhood friends from Seoul meet again in New York twenty years later, for one week, and wonder what might have been.',
     'A man and a woman sit side by side on a subway carriage, a few inches apart.'),
    (915935, 'Anatomy of a Fall', '2023-08-23', 152, 7.7, 20.6, ['FR'], ['Thriller', 'Drama', 'Mystery'], ['trial', 'marriage', 'writer', 'chalet'],
     [('Sandra Hüller', 'Sandra Voyter'), ('Swann Arlaud', 'Vincent Renzi'), ('Milo Machado-Graner', 'Daniel Maleski'), ('Antoine Reinartz', 'Prosecutor'), ('Samuel Theis', 'Samuel Maleski')],
     ['Justine Triet'], None,
     'When her husband falls to his death outside their mountain chalet, a writer stands trial and their son must decide what he believes.',
     'A body lies in the snow below a wooden chalet, a dog standing near it.'),
    (965150, 'Aftersun', '2022-10-21', 102, 7.6, 15.9, ['GB', 'US'], ['Drama'], ['father daughter relationship', 'holiday', 'turkey', 'memory'],
     [('Paul Mescal', 'Calum'), ('Frankie Corio', 'Sophie'), ('Celia Rowlson-Hall', 'Adult Sophie'), ('Sally Messham', 'Belinda'), ('Brooklyn Toulson', 'Michael')],
     ['Charlotte Wells'], None,
     'A woman remembers the holiday in Turkey she took with her young father at eleven, and the sadness she could not see then.',
     'A father and daughter lie side by side by a hotel pool in hazy sunlight.'),
    (313106, 'Hidden Figures', '2016-12-10', 127, 8.0, 27.0, ['US'], ['Drama', 'History'], ['nasa', 'mathematician', 'space race', 'segregation'],
     [('Taraji P. Henson', 'Katherine G. Johnson'), ('Octavia Spencer', 'Dorothy Vaughan'), ('Janelle Monáe', 'Mary Jackson'), ('Kevin Costner', 'Al Harrison'), ('Kirsten Dunst', 'Vivian Mitchell')],
     ['Theodore Melfi'], None,
     'Three Black women mathematicians at NASA help launch John Glenn into orbit while fighting segregation at work.',
     'Three women in 1960s dresses walk confidently past a rocket at a launch site.'),
]


def sha(text, n):
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def num(text, lo, hi):
    return lo + int(sha(text, 12), 16) % (hi - lo)


def asin(title):
    alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    h = int(sha('asin:' + title, 16), 16)
    s = ''
    for _ in range(7):
        h, r = divmod(h, 36)
        s += alphabet[r]
    return 'B0S' + s


def poster(title):
    alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
    h = int(sha('poster:' + title, 40), 16)
    s = ''
    for _ in range(27):
        h, r = divmod(h, len(alphabet))
        s += alphabet[r]
    return '/' + s + '.jpg'


# TMDB ids of people and keywords the original 45 records already use, so that one name keeps one id.
KNOWN_IDS = {}


def known_ids(records):
    import ast
    for r in records:
        for field, key in (('casts', 'cast'), ('casts', 'crew'), ('keywords', 'keywords')):
            value = r[field]
            if isinstance(value, str):
                value = ast.literal_eval(value)
            for x in value.get(key, []):
                KNOWN_IDS.setdefault(('keyword' if field == 'keywords' else 'person', x['name']), x['id'])


def entity_id(kind, name, hi):
    """The id a name already has, else a new one derived from the name that no other name holds."""
    if (kind, name) not in KNOWN_IDS:
        used = {v for (k, _), v in KNOWN_IDS.items() if k == kind}
        i = num(f'{kind}:{name}', 1000, hi)
        while i in used:
            i += 1
        KNOWN_IDS[(kind, name)] = i
    return KNOWN_IDS[(kind, name)]


def person(name, department, popularity):
    return {'adult': False, 'gender': 0, 'id': entity_id('person', name, 5000000), 'known_for_department': department,
            'name': name, 'original_name': name, 'popularity': popularity}


def record(film, python_literals):
    (tmdb_id, title, date, runtime, vote, pop, countries, genres, keywords, cast, directors, collection, overview, caption) = film
    g = [{'id': GENRES[x], 'name': x} for x in genres]
    k = {'keywords': [{'id': entity_id('keyword', x, 300000), 'name': x} for x in keywords]}
    c = {'cast': [dict(person(name, 'Acting', round(num('pop:' + name, 2000, 60000) / 1000, 3)), character=ch,
                       credit_id=sha(f'credit:{tmdb_id}:{name}', 24), order=i) for i, (name, ch) in enumerate(cast)],
         'crew': [dict(person(name, 'Directing', round(num('pop:' + name, 2000, 20000) / 1000, 3)), credit_id=sha(f'crew:{tmdb_id}:{name}', 24),
                       department='Directing', job='Director') for name in directors]}
    coll = None if collection is None else {'id': num('collection:' + collection, 1000, 900000), 'name': collection, 'poster_path': None, 'backdrop_path': None}
    r = {'asin': asin(title), 'title': title, 'overview': overview}
    if python_literals:
        r.update({'genres': repr(g), 'keywords': repr(k), 'casts': repr(c), 'origin_country': repr(countries), 'belongs_to_collection': repr(coll)})
    else:
        r.update({'genres': g, 'keywords': k, 'casts': c, 'origin_country': countries, 'belongs_to_collection': coll})
    r.update({'Visual Caption': caption, 'id': tmdb_id, 'release_date': date, 'runtime': runtime, 'popularity': pop, 'vote_average': vote, 'poster_path': poster(title)})
    return r


def main():
    with open(TMDB, encoding='utf-8') as f:
        records = json.load(f)
    have = {r['id'] for r in records}
    base = [r for r in records if not r['asin'].startswith('B0S')]
    known_ids(base)
    out = list(base)
    for i, film in enumerate(FILMS):
        assert film[0] not in {r['id'] for r in base}, film[1]
        out.append(record(film, python_literals=(len(out) % 2 == 0)))
    asins = [r['asin'] for r in out]
    assert len(set(asins)) == len(asins)
    with open(TMDB, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write('\n')
    print(f'{len(out)} films')


if __name__ == '__main__':
    main()
