import { useEffect } from 'react';
import { QuickActions } from '../components/dashboard/QuickActions';
import { SiteSection } from '../components/dashboard/EnergyCards';
import { VehicleCard } from '../components/dashboard/VehicleCard';
import { Empty, ErrorState, Loading } from '../components/ui/States';
import { useEnergySites, usePlaces, useVehicles } from '../hooks/queries';

export default function DashboardPage() {
  const vehicles = useVehicles();
  const places = usePlaces();
  const sites = useEnergySites();

  useEffect(() => {
    document.title = 'Dashboard · Tessie Stats';
  }, []);

  return (
    <>
      <div className="section-head">
        <h1>Dashboard</h1>
        <QuickActions />
      </div>

      <section aria-label="Vehicles">
        {vehicles.isPending ? (
          <Loading label="Loading your vehicles…" />
        ) : vehicles.isError ? (
          <ErrorState title="Could not load your vehicles." error={vehicles.error} onRetry={() => void vehicles.refetch()} />
        ) : vehicles.data.data.length === 0 ? (
          <Empty title="No vehicles yet">Connect your Tesla account in Settings, then sync.</Empty>
        ) : (
          <div className="cards">
            {vehicles.data.data.map((v) => (
              <VehicleCard key={v.id} vehicle={v} places={places.data} />
            ))}
          </div>
        )}
      </section>

      <h2 className="section-title">Home energy</h2>
      {sites.isPending ? (
        <Loading label="Loading energy sites…" />
      ) : sites.isError ? (
        <ErrorState title="Could not load your energy sites." error={sites.error} onRetry={() => void sites.refetch()} />
      ) : sites.data.length === 0 ? (
        <Empty title="No Powerwall or solar site">Energy sites appear here once your Tesla account has one.</Empty>
      ) : (
        sites.data.map((s) => <SiteSection key={s.id} site={s} />)
      )}
    </>
  );
}
