import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App } from './App';
import { refetchWhileDown, retryQuery } from './lib/retry';
import { applyTheme, usePrefs } from './stores/prefs';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root element missing from index.html');

applyTheme(usePrefs.getState().theme);

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: true,
      // Never retry what retrying cannot fix (auth, not found, bad input, rate limit).
      retry: retryQuery,
      // The server or its database down: keep trying, the page recovers by itself.
      refetchInterval: (q) => refetchWhileDown(q.state),
    },
  },
});

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
