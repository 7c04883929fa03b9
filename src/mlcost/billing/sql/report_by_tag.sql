-- ML spend by the value of one tag. CUR 2.0 writes user tags as user_<key>, FOCUS and legacy
-- CUR as <key>, some FOCUS writers as user:<key>; the Python side replaces the tag
-- placeholders with the three quoted spellings.
SELECT coalesce(tags[{tag}], tags[{user_tag}], tags[{user_colon_tag}], '(untagged)') AS tag_value,
       sum(effective_cost) AS effective_cost
FROM line_items
WHERE ml_service IS NOT NULL
GROUP BY coalesce(tags[{tag}], tags[{user_tag}], tags[{user_colon_tag}], '(untagged)')
ORDER BY effective_cost DESC, tag_value
