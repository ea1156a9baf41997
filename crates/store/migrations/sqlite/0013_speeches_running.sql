-- The speech being given, found without reading a meeting's whole list of
-- speakers (starting a speech stops the one running).
CREATE INDEX speeches_running ON speeches (meeting_id)
    WHERE started_at IS NOT NULL AND stopped_at IS NULL;
