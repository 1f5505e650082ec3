-- A clip deleted from the gallery on one device is deleted on every device: the entry stays as a tombstone
-- (hidden from Phosor's history and from status/result), which a sync with `since` hands to the other devices.
ALTER TABLE jobs ADD COLUMN deleted_at timestamptz;
