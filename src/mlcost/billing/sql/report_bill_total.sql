-- All spend in the bill (every service, ML or not) and the ML part of it, amortised and
-- billed: the denominator the ML sections leave out. The ML share (ml / bill effective cost)
-- is worked out in Python from these sums, so the query stays a plain sum (rollup.py).
SELECT sum(effective_cost) AS bill_effective_cost,
       sum(billed_cost) AS bill_billed_cost,
       sum(CASE WHEN ml_service IS NOT NULL THEN effective_cost ELSE 0 END) AS ml_effective_cost,
       sum(CASE WHEN ml_service IS NOT NULL THEN billed_cost ELSE 0 END) AS ml_billed_cost
FROM line_items
