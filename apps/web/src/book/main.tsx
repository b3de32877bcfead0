import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BookApp } from './BookApp';
import './book.css';

// No service worker registration and no desk import here: this entry is what a client's phone
// downloads for /book/… (apps/web/book.html), kept small on purpose (scripts/size.ts checks it).
const root = document.getElementById('root');
if (!root) throw new Error('#root missing from book.html');
createRoot(root).render(
  <StrictMode>
    <BookApp />
  </StrictMode>,
);
