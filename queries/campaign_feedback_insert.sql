-- one row inserted into campaign_feedback: one rating of a campaign by sales
-- parameters: $campaign_id, $rep_id (null = not said), $rating (1 to 5), $comment, $given_at
insert into campaign_feedback (campaign_id, rep_id, rating, comment, given_at)
values ($campaign_id, $rep_id, $rating, $comment, $given_at)
