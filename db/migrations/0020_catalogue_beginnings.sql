-- Beginnings as lexemes (issue 21; server/shared/search-text.ts): each word of a lot's search_vector
-- of four characters or more also gives its beginnings ('~bie', '~bien' for 'bien'), so a word still
-- being typed is two whole lexemes for the GIN index, not a prefix query that first gathers every lot
-- holding any word it begins. Every lot's search columns are filled again at the next start
-- (backfillLotSearch, through lots_search_pending), as after 0017 and 0018; until a lot is refilled, a
-- word still being typed finds it only when typed whole.
-- A lot's row stays whole in its page up to 8 KB (the default moves its longest values to the TOAST
-- table past 2 KB): the catalogue's sample and walks check search_vector on every row they read, and
-- a value in the TOAST table costs a second index lookup and page each time (the sample read ten
-- times the pages). Every row is written again by the refill below.
ALTER TABLE "lots" SET (toast_tuple_target = 8160);--> statement-breakpoint
UPDATE "lots" SET "search_text" = NULL WHERE "search_text" IS NOT NULL;
