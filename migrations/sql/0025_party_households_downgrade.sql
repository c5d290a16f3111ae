DROP POLICY party_households_area ON party_households;
DROP TABLE party_households;
