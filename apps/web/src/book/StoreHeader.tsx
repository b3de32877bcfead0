/** The salon's name and address at the top of each step. */
export function StoreHeader({ store }: { store: { name: string; address?: string | null } }) {
  return (
    <header className="bk-header">
      <h1>{store.name}</h1>
      {store.address && <p className="bk-muted bk-address">{store.address}</p>}
    </header>
  );
}
