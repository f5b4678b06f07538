import { render } from 'preact';
import { App } from './app/App';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);

// The offline shell (see vite.config.ts); not in the dev server.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  navigator.serviceWorker.register('./sw.js').catch(() => undefined);
}
