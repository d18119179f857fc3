-- Per view: rows in each architecture and in the oracle, and rows that differ from the oracle.
WITH counts AS (
    SELECT 'action_counts' AS view, 'lambda' AS architecture, count(*) AS rows_served,
           (SELECT count(*) FROM (SELECT window_start, window_end, action, events, revenue FROM lambda_action_counts
                                  EXCEPT ALL SELECT * FROM truth_action_counts)) AS rows_differing
    FROM lambda_action_counts
    UNION ALL
    SELECT 'action_counts', 'kappa', count(*),
           (SELECT count(*) FROM (SELECT window_start, window_end, action, events, revenue FROM kappa_action_counts
                                  EXCEPT ALL SELECT * FROM truth_action_counts))
    FROM kappa_action_counts
    UNION ALL
    SELECT 'action_counts', 'truth', count(*), 0 FROM truth_action_counts
    UNION ALL
    SELECT 'user_sessions', 'lambda', count(*),
           (SELECT count(*) FROM (SELECT user_id, session_start, session_end, events, views, clicks, purchases, revenue
                                  FROM lambda_user_sessions EXCEPT ALL SELECT * FROM truth_user_sessions))
    FROM lambda_user_sessions
    UNION ALL
    SELECT 'user_sessions', 'kappa', count(*),
           (SELECT count(*) FROM (SELECT user_id, session_start, session_end, events, views, clicks, purchases, revenue
                                  FROM kappa_user_sessions EXCEPT ALL SELECT * FROM truth_user_sessions))
    FROM kappa_user_sessions
    UNION ALL
    SELECT 'user_sessions', 'truth', count(*), 0 FROM truth_user_sessions
)
SELECT * FROM counts ORDER BY view, architecture
