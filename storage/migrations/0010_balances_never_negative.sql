-- No balance ever goes below zero, whatever the order of events (a reversal after the points
-- were spent, a deduction, a redemption hold). The engine's one ledger policy
-- (bot.services.points.takeable) never asks for more than a balance holds; these triggers make
-- the rule hold for every writer, so a mistake aborts the statement instead of leaving a debt.
-- Only entries that lower a balance are checked: a balance left negative by an older version
-- can still earn its way back up.

CREATE TRIGGER ledger_never_negative BEFORE INSERT ON ledger
WHEN NEW.amount < 0 AND NEW.amount + ifnull(
    (SELECT balance FROM balances
     WHERE community_id = NEW.community_id AND member_id = NEW.member_id), 0) < 0
BEGIN
    SELECT RAISE(ABORT, 'a balance cannot go below zero');
END;

CREATE TRIGGER balances_never_negative BEFORE UPDATE OF balance ON balances
WHEN NEW.balance < 0 AND NEW.balance < OLD.balance
BEGIN
    SELECT RAISE(ABORT, 'a balance cannot go below zero');
END;
