-- ML spend by service (SageMaker, EC2 GPU/accelerator families, Bedrock), amortised and billed.
SELECT ml_service AS service,
       sum(effective_cost) AS effective_cost,
       sum(billed_cost) AS billed_cost
FROM line_items
WHERE ml_service IS NOT NULL
GROUP BY ml_service
ORDER BY effective_cost DESC, service
