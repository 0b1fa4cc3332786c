-- The citizen's satisfaction with the handling of a case, as recorded at the counter or
-- from a reply slip: 1 (very unsatisfied) to 5 (very satisfied); 0 = not recorded. The
-- three faces used by Italian public offices are 1, 3 and 5 on the same scale.
ALTER TABLE cases ADD COLUMN satisfaction INTEGER NOT NULL DEFAULT 0 CHECK (satisfaction BETWEEN 0 AND 5);
