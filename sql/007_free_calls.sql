-- The vehicle list and summary (GET /api/1/vehicles, /vehicles/{id}) are
-- free and wake nothing (research/fleet-api.md §4): they are recorded in
-- the ledger as their own class so that spend and counts stay honest.
ALTER TABLE fleet_api_calls DROP CONSTRAINT fleet_api_calls_endpoint_class_check;
ALTER TABLE fleet_api_calls ADD CONSTRAINT fleet_api_calls_endpoint_class_check
    CHECK (endpoint_class IN ('data', 'wake', 'command', 'auth', 'energy', 'free'));
COMMENT ON COLUMN fleet_api_calls.endpoint_class IS
    'Tesla pricing category: data ($0.002), wake ($0.02), command ($0.001); '
    'auth, energy and free (the vehicle list) cost nothing today.';
