// Words that never name a product: asking, politeness and time words (GENERIC_WORDS) and the
// small words of a sentence (STOP_WORDS). Read by the search and by product questions.

/** Words that name no product even where a title contains them. */
export const GENERIC_WORDS = new Set(
  'order orders allowed above below the and for with what which who whom whose how why when where are was were you your yours our can could would should will shall does did have has had not but any all some this that these those there their them they his her its from into about than then today tomorrow yesterday price rate cost best better good great new old want need get give show tell know think please pls plz kindly hello thanks thank okay yes sir madam one two three four five time times day days week weeks month months year years'.split(' '),
);
/** Small words a product name never needs. */
export const STOP_WORDS = new Set('a an i me my to of in on at is it be do so or if as by we us am im pls plz any some need want looking buy show find get too also ok okay and'.split(' '));
