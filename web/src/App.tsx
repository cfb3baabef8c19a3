import { useCallback, useEffect, useState } from 'react';
import { setUnauthorizedHandler } from './api';
import { LoginPage } from './LoginPage';
import { VehiclesPage } from './VehiclesPage';
import { clearSession, loadSession } from './session';

export function App() {
  const [signedIn, setSignedIn] = useState(() => loadSession() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setNotice('Your session has expired. Please sign in again.');
      setSignedIn(false);
    });
    return () => setUnauthorizedHandler(null);
  }, []);

  const handleSignedIn = useCallback(() => {
    setNotice(null);
    setSignedIn(true);
  }, []);

  const handleSignOut = useCallback(() => {
    clearSession();
    setNotice('You have signed out.');
    setSignedIn(false);
  }, []);

  return signedIn ? (
    <VehiclesPage onSignOut={handleSignOut} />
  ) : (
    <LoginPage notice={notice} onSignedIn={handleSignedIn} />
  );
}
