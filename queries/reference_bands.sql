-- one row per waterfall transition with a published conversion range (a reference, never a target)
-- parameters: none
select transition, low_rate, high_rate, source, changed_by, changed_at
from reference_bands
order by case transition when 'inquiry_to_mql' then 1 when 'mql_to_sal' then 2 when 'sal_to_sql' then 3 else 4 end
