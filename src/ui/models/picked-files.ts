/**
 * A model package's files as the settings receive them: from the folder picker (`webkitdirectory`, each file
 * with its `webkitRelativePath`) or dropped (a folder, walked through the File and Directory Entries API, or
 * loose files). Paths keep the folder's name; the worker finds the package's root by its model.json.
 */
import { MAX_PICKED_FILES } from '../../shared/model-cache';

/** Files from `<input type=file webkitdirectory>`, with their paths inside the picked folder. */
export const pickedFiles = (files: FileList): [string, File][] =>
  [...files].map((f) => [f.webkitRelativePath || f.name, f]);

/**
 * Files from a drop. The entries must be taken while the drop event runs (the list empties after it); the
 * walk stops one file past the limit, which the worker then refuses with its message.
 */
export function droppedFiles(data: DataTransfer): Promise<[string, File][]> {
  const entries = [...data.items].map((item) => item.webkitGetAsEntry?.()).filter((e) => e != null);
  if (entries.length === 0) return Promise.resolve([...data.files].map((f) => [f.name, f]));
  return walk(entries);
}

async function walk(entries: FileSystemEntry[]): Promise<[string, File][]> {
  const out: [string, File][] = [];
  const visit = async (entry: FileSystemEntry, dir: string): Promise<void> => {
    if (out.length > MAX_PICKED_FILES) return;
    if (entry.isFile) {
      const file = await new Promise<File>((ok, fail) => (entry as FileSystemFileEntry).file(ok, fail));
      out.push([dir + entry.name, file]);
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries answers in batches (100 in Chromium) until it answers an empty one.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((ok, fail) => reader.readEntries(ok, fail));
        if (batch.length === 0) break;
        for (const child of batch) await visit(child, `${dir}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await visit(entry, '');
  return out;
}
