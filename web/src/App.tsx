import { lazy, useEffect } from 'react';
import { createHashRouter, RouterProvider } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { setUnauthorizedHandler } from './api';
import { Layout } from './components/layout/Layout';
import { RouteError } from './components/layout/RouteError';
import { LoginPage } from './LoginPage';
import { EXPIRED_NOTICE, useSession } from './stores/session';

// Every page is its own chunk: the entry holds only the shell and login.
const DashboardPage = lazy(() => import('./pages/DashboardPage'));
const VehiclesPage = lazy(() => import('./pages/VehiclesPage'));
const VehicleDetailPage = lazy(() => import('./pages/VehicleDetailPage'));
const SettingsPage = lazy(() => import('./pages/SettingsPage'));
const DriversPage = lazy(() => import('./pages/DriversPage'));
const ComingSoonPage = lazy(() => import('./pages/ComingSoonPage'));
const ChargingPage = lazy(() => import('./pages/ChargingPage'));
const EnergyPage = lazy(() => import('./pages/EnergyPage'));

// A hash router: the build is served from any prefix (vite base './'), and a
// reload of a deep link never asks nginx for a path it does not have.
const router = createHashRouter([
  {
    path: '/',
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <DashboardPage /> },
      { path: 'vehicles', element: <VehiclesPage /> },
      { path: 'vehicles/:id', element: <VehicleDetailPage /> },
      { path: 'charging/*', element: <ChargingPage /> },
      { path: 'energy', element: <EnergyPage /> },
      { path: 'drivers', element: <DriversPage /> },
      { path: 'settings', element: <SettingsPage /> },
      { path: '*', element: <ComingSoonPage title="Not found" what="" notFound /> },
    ],
  },
]);

export function App() {
  const session = useSession((s) => s.session);
  const signOut = useSession((s) => s.signOut);
  const queryClient = useQueryClient();

  // A 401 anywhere: drop the token and every cached answer, back to login.
  useEffect(() => {
    setUnauthorizedHandler(() => {
      signOut(EXPIRED_NOTICE);
    });
    return () => setUnauthorizedHandler(null);
  }, [signOut]);

  useEffect(() => {
    if (!session) queryClient.clear();
  }, [session, queryClient]);

  // The token's own expiry: leave before the server has to say so.
  useEffect(() => {
    if (!session?.expiresAt) return;
    const ms = Date.parse(session.expiresAt) - Date.now();
    if (!Number.isFinite(ms)) return;
    const id = window.setTimeout(() => signOut(EXPIRED_NOTICE), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => window.clearTimeout(id);
  }, [session, signOut]);

  return session ? <RouterProvider router={router} /> : <LoginPage />;
}
