/** The help of each command (`bgremove <command> --help`), and of the whole (`bgremove --help`). */
export const HELP: Record<string, string> = {
  '': `bgremove — background removal from the command line

Usage: bgremove <command> [options]

Commands:
  login                 sign in (asks for email or username and password)
  whoami                who is signed in, to which service
  upload <files…>       upload images, wait for the cutouts, save them beside the inputs,
                        edited if asked (--bg, --blur, --crop, --format…)
  list                  list your images, newest first
  download <id>         save an image as rendered with its edits (--format png|jpg|webp|mask)
  delete <id>           delete an image, its cutout and its renders
  logout                forget the stored session

Options for every command:
  --api <url>           the service; default: $BGREMOVE_API, else the signed-in one,
                        else http://localhost:8080
  -h, --help            help for a command
  --version             the version of bgremove

The session is kept in $XDG_CONFIG_HOME/bgremove/session.json (mode 0600).
Exit codes: 0 done, 1 failed (for upload: any file failed), 2 usage.`,
  login: `Usage: bgremove login [--email <email or username>] [--api <url>]
The password is asked for (or read from standard input when it is not a terminal).
Prints who is signed in, to which service, and until when.`,
  whoami: `Usage: bgremove whoami [--api <url>]
Prints the account signed in to the service (exit 1 when none is).`,
  upload: `Usage: bgremove upload <files…> [options] [edits]
Uploads each JPEG, PNG or WebP (at most 22 MB) straight to the bucket through a signed URL,
waits for its cutout and saves it next to the input (or in --out) as <name>-nobg.<format>
(<name>-mask.png for --format mask). One file failing does not stop the others.

Prints one line per file — saved: file, image id, saved file (on stdout); failed or skipped:
the reason (on stderr) — then a summary such as "3 done, 1 failed, 1 skipped". Exit 1 if any
file failed.

Options:
  --type auto|person|product|car  what the photos show (default auto)
  --out <dir>                     save the results in this folder (made if missing)
  --no-wait                       upload and print the image ids without waiting (no edits)
  --timeout <seconds>             how long to wait for each cutout (default 120)
  --format png|jpg|webp|mask      the file saved (default png); mask is the cutout's
                                  opacity as a grey PNG
  -j, --jobs <1–8>                files uploaded at a time (default 1)
  --json                          one JSON object per file on stdout: path, status
                                  (done|uploaded|failed|skipped), id, output, error
                                  {code, message}, reason
  --again                         upload files uploaded from this machine before, too
                                  (otherwise skipped while the service still has them)
  --force                         overwrite existing result files

Edits, saved with each image and rendered by the service from its cutout (the remover is
asked once; bgremove download renders the same edits again in any format):
  --bg rrggbb|transparent         a background colour, e.g. --bg ffffff
  --blur <1–100>                  the photo itself, blurred, as background (radius in px)
  --crop                          crop to the subject
  --margin <0–50>%|<0–500>px      space around the subject when cropping, in % of its
                                  longer side or in px (default 0)
  --scale <10–100>%               the subject's size as a share of the canvas (centred)
  --position center|<x>%[,<y>%]   where the subject sits, 0–100% across and down
  --size full|preview|<px>        the longest side, 16–10000 px, never enlarged;
                                  preview is about 0.25 megapixels (default full)
  --quality <1–100>               JPEG and WebP quality (default 90)

Example: bgremove upload photo.jpg --bg ffffff --format jpg --crop --margin 5%
  saves photo-nobg.jpg: the subject on white, cropped to it with a 5% margin.`,
  list: 'Usage: bgremove list [--all]\nPrints id, status, time and file name; --all follows every page.',
  download: `Usage: bgremove download <id> [--format png|jpg|webp|mask] [--out <file or dir>] [--force]
Saves the image rendered with its saved edits (background, crop, size…, as set by
bgremove upload or on the web page). The format defaults to that of the --out file's
extension, else png; mask is the cutout's opacity as a grey PNG. Without --out (or with a
folder) the file is named after the original: photo-nobg.png, photo-nobg.jpg, photo-mask.png.
An existing file is never overwritten without --force.`,
  delete:
    'Usage: bgremove delete <id>\nDeletes the original, the cutout, its renders and the thumbnail. It cannot be undone.',
  logout: 'Usage: bgremove logout',
};
