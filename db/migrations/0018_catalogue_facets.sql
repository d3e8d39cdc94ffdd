-- The catalogue's facets as lexemes (issue 21; server/auctions/lot-search.ts, facetLexeme): each lot's
-- search_vector also carries its category and province ('=category:vehicle', '=province:ha-noi'), so
-- the GIN index finds the lots with the words and the category or province at once. Every lot's
-- search columns are filled again at the next start (backfillLotSearch, through lots_search_pending),
-- as after 0017.
UPDATE "lots" SET "search_text" = NULL WHERE "search_text" IS NOT NULL;
