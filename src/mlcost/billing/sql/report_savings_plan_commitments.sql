-- Each savings plan in the bill (commitment ARN): its type and why, the on-demand-equivalent
-- spend it covered and what that cost under the plan, and its commitment used and bought.
WITH plans AS {include:savings_plan_types}
SELECT p.commitment_id,
       p.plan_type,
       p.plan_type_basis,
       sum(CASE WHEN l.commitment_status = 'covered' THEN l.list_cost ELSE 0 END) AS covered_on_demand_cost,
       sum(CASE WHEN l.commitment_status = 'covered' THEN l.effective_cost ELSE 0 END) AS covered_effective_cost,
       sum(l.commitment_used) AS commitment_used,
       sum(l.commitment_total) AS commitment_total
FROM line_items l JOIN plans p ON l.commitment_id = p.commitment_id
GROUP BY p.commitment_id, p.plan_type, p.plan_type_basis
ORDER BY p.plan_type, p.commitment_id
