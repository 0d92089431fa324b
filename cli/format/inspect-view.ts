/**
 * What a `berth inspect --format` template sees: the Go field names of libimage's ImageData
 * (`.ID` and `.Id`, `.History` entries with `.CreatedBy`, `.HealthCheck`), nil slices and maps
 * shown empty (Go prints them as [] and map[]); `{{json .}}` still prints the JSON data.
 */
import { goMap } from '../../src/go/index.js';
import { type ImageInspect } from '../../src/local.js';

/** Attach a JSON form to a template view (used by `{{json .}}`), invisible to field lookup errors. */
function withJSON<T extends object>(view: T, json: unknown): T {
  Object.defineProperty(view, 'toJSON', { value: () => json, enumerable: false });
  return view;
}

export function inspectTemplateView(d: ImageInspect): object {
  return withJSON(
    {
      ID: d.Id,
      Id: d.Id,
      Digest: d.Digest,
      RepoTags: d.RepoTags,
      RepoDigests: d.RepoDigests,
      Parent: d.Parent,
      Comment: d.Comment,
      Created: d.Created,
      Config: withJSON(
        {
          User: '',
          ExposedPorts: goMap({}),
          Env: [],
          Entrypoint: [],
          Cmd: [],
          Volumes: goMap({}),
          WorkingDir: '',
          Labels: goMap({}),
          StopSignal: '',
          ArgsEscaped: false,
          ...d.Config,
        },
        d.Config,
      ),
      Version: d.Version,
      Author: d.Author,
      Architecture: d.Architecture,
      Os: d.Os,
      Size: d.Size,
      VirtualSize: d.VirtualSize,
      RootFS: withJSON({ Type: d.RootFS.Type, Layers: d.RootFS.Layers ?? [] }, d.RootFS),
      Labels: d.Labels ?? goMap({}),
      Annotations: d.Annotations,
      ManifestType: d.ManifestType,
      User: d.User,
      History: (d.History ?? []).map((h) =>
        withJSON(
          {
            Created: h.created ?? null,
            CreatedBy: h.created_by ?? '',
            Author: h.author ?? '',
            Comment: h.comment ?? '',
            EmptyLayer: h.empty_layer === true,
          },
          h,
        ),
      ),
      NamesHistory: d.NamesHistory ?? [],
      HealthCheck: d.Healthcheck ?? null,
    },
    d,
  );
}
