import { useEffect, useRef, useState } from 'react';
import L from 'leaflet';
import 'leaflet/dist/leaflet.css';

interface Props {
  /** The car's position (a marker). */
  position?: [number, number] | null;
  /** A drive's path (a line, with start and end dots). */
  path?: [number, number][] | null;
  label?: string;
}

/**
 * A Leaflet map with OpenStreetMap tiles. Markers are vector shapes (no image
 * files), so position and path show even when no tile can load (offline, or
 * a Content-Security-Policy that blocks the tile server); the note says so.
 */
export function LocationMap({ position, path, label = 'Map' }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const mapRef = useRef<L.Map | null>(null);
  const layerRef = useRef<L.LayerGroup | null>(null);
  const [tilesFailed, setTilesFailed] = useState(false);

  useEffect(() => {
    if (!el.current) return;
    const map = L.map(el.current, { zoomControl: true, attributionControl: true, scrollWheelZoom: false });
    const tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', {
      maxZoom: 19,
      attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    });
    tiles.on('tileerror', () => setTilesFailed(true));
    tiles.on('tileload', () => setTilesFailed(false));
    tiles.addTo(map);
    layerRef.current = L.layerGroup().addTo(map);
    mapRef.current = map;
    map.setView([0, 0], 2);
    // Sizes settle after layout (grid, lazy chunk): tell Leaflet.
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(() => map.invalidateSize()) : null;
    ro?.observe(el.current);
    return () => {
      ro?.disconnect();
      map.remove();
      mapRef.current = null;
      layerRef.current = null;
    };
  }, []);

  useEffect(() => {
    const map = mapRef.current;
    const layer = layerRef.current;
    if (!map || !layer) return;
    layer.clearLayers();
    const style = getComputedStyle(document.documentElement);
    const accent = style.getPropertyValue('--accent').trim() || '#2f6fed';
    if (path && path.length > 1) {
      const line = L.polyline(path, { color: accent, weight: 4, opacity: 0.9 }).addTo(layer);
      L.circleMarker(path[0]!, { radius: 6, color: '#1f9d55', fillColor: '#1f9d55', fillOpacity: 1 }).bindTooltip('Start').addTo(layer);
      L.circleMarker(path[path.length - 1]!, { radius: 6, color: '#d64541', fillColor: '#d64541', fillOpacity: 1 }).bindTooltip('End').addTo(layer);
      map.invalidateSize();
      map.fitBounds(line.getBounds(), { padding: [28, 28], maxZoom: 16 });
    } else if (position) {
      L.circleMarker(position, { radius: 9, color: '#ffffff', weight: 3, fillColor: accent, fillOpacity: 1 })
        .bindTooltip(label)
        .addTo(layer);
      map.invalidateSize();
      map.setView(position, 15);
    }
  }, [position, path, label]);

  const nothing = !position && !(path && path.length > 1);
  return (
    <div className="map-wrap">
      <div ref={el} className="map" data-testid="map" role="region" aria-label={label} />
      {nothing && <p className="map-note muted small">No position recorded.</p>}
      {tilesFailed && !nothing && (
        <p className="map-note muted small" role="note">
          Map tiles could not load; the {path && path.length > 1 ? 'path' : 'marker'} shows the position without a
          background map.
        </p>
      )}
    </div>
  );
}
