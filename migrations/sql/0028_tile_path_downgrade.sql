DROP FUNCTION onegrid_scoped_cell_households(text, text, text, bigint[]);
