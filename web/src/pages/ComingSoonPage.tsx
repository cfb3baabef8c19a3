import { useEffect } from 'react';
import { Link } from 'react-router';
import { Empty } from '../components/ui/States';

export default function ComingSoonPage({ title, what, notFound }: { title: string; what: string; notFound?: boolean }) {
  useEffect(() => {
    document.title = `${title} · Tessie Stats`;
  }, [title]);
  return (
    <>
      <div className="section-head">
        <h1>{title}</h1>
      </div>
      {notFound ? (
        <Empty title="There is no such page.">
          <Link to="/">Back to the dashboard</Link>
        </Empty>
      ) : (
        <Empty title="Coming soon">This page will show {what}. The API already has the data.</Empty>
      )}
    </>
  );
}
