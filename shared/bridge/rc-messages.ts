import type { Rc } from '../api/common';
import type { AiHordeRc } from '../api/known-rc';
import type { ClientRc } from '../api/horde-error';

/**
 * What the window says for every `rc` it can receive: the AI Horde's own codes (public or embedded
 * horde), the requester client's and the bridge's. One sentence on what happened, one on what to do,
 * in words for the person at the window: no API paths, commands or stack traces (a test walks every
 * entry). The horde's raw message stays available behind "Details".
 *
 * The record is keyed by the union of every code list, so adding an rc anywhere without saying what
 * it means to a person does not compile.
 */
export interface Explained {
  /** One sentence: what happened. */
  title: string;
  /** What the user can do about it. */
  next: string;
}

/** Codes the app itself raises: the requester client, the bridge and the window's HTTP bridge. */
export const APP_RCS = [
  'HordeUnreachable',
  'BadHordeAnswer',
  'HordeError',
  'AppUnreachable',
  'BadArgument',
  'Unauthorized',
  'UnknownChannel',
  'NoWorker',
  'WorkerError',
  'WorkerStarting',
  'Internal',
  'NotHordeOwner',
  'NotSharing',
  'HordePinned',
  'PortInUse',
  'BackupFailed',
] as const;
export type AppRc = (typeof APP_RCS)[number];

export type ExplainedRc = AiHordeRc | Rc | AppRc | ClientRc;

const profane = (thing: string): Explained => ({
  title: `The horde does not accept this ${thing}: its filter found a word it does not allow.`,
  next: `Change the ${thing} and try again.`,
});

const moderatorsOnly: Explained = {
  title: 'Only the horde’s moderators can do this.',
  next: 'Nothing in this app needs it; if you think you should have access, ask the horde’s admins.',
};

const ratings: Explained = {
  title: 'The horde refused this image rating.',
  next: 'Ratings are optional: you can skip it, or try again later.',
};

const sharedKey = (what: string): Explained => ({
  title: `The shared key ${what}.`,
  next: 'Ask its owner for a new shared key, or use your own API key in Settings.',
});

const imageSetting = (what: string, next: string): Explained => ({
  title: `This image request ${what}.`,
  next,
});

const notFound = (what: string): Explained => ({
  title: `The horde does not know this ${what}.`,
  next: `It may have been removed or expired; check the ${what} and try again.`,
});

const registerFirst = 'Register on the horde and enter your API key in Settings.';
const waitAndRetry = 'Wait a moment and try again.';

export const RC_MESSAGES: Record<ExplainedRc, Explained> = {
  // ── requests: prompts and parameters ───────────────────────────────────
  MissingPrompt: { title: 'The prompt is empty.', next: 'Type what you want the model to do.' },
  CorruptPrompt: {
    title: 'The horde refused the prompt because of what it asks for.',
    next: 'Change the prompt; hordes refuse prompts that break their rules.',
  },
  InvalidPromptSize: {
    title: 'The prompt is too long for this horde.',
    next: 'Shorten the prompt, or lower the context.',
  },
  TokenOverflow: {
    title: 'The prompt and the answer together are longer than the model can hold.',
    next: 'Lower max length or shorten the prompt.',
  },
  NulByteInPayload: {
    title: 'The text contains an invisible control character the horde does not accept.',
    next: 'Retype or paste the text again as plain text.',
  },
  Profanity: profane('text'),
  ProfaneWorkerName: profane('worker name'),
  ProfaneBridgeAgent: profane('worker software name'),
  ProfaneWorkerInfo: profane('worker description'),
  ProfaneUserName: profane('username'),
  ProfaneUserContact: profane('contact'),
  ProfaneAdminComment: profane('comment'),
  ProfaneTeamName: profane('team name'),
  ProfaneTeamInfo: profane('team description'),
  TooLong: { title: 'Some text in this request is too long.', next: 'Shorten it and try again.' },
  TooLongWorkerName: {
    title: 'The worker name is too long.',
    next: 'Pick a name of at most 100 characters in Settings.',
  },
  TooLongUserName: { title: 'The username is too long.', next: 'Pick a shorter username.' },
  MissingFullSamplerOrder: {
    title: 'The sampler order must list every sampler once.',
    next: 'Reset the sampler order to its default, or list all seven samplers.',
  },
  TooManyStopSequences: {
    title: 'This request has more stop sequences than the horde allows.',
    next: 'Remove some stop sequences and try again.',
  },
  ExcessiveStopSequence: {
    title: 'One of the stop sequences is too long.',
    next: 'Shorten the stop sequences and try again.',
  },
  NoValidActions: {
    title: 'The horde found nothing it could do with this request.',
    next: 'Check the form and pick at least one thing to do.',
  },
  InvalidSize: imageSetting(
    'has a size the horde cannot make',
    'Pick a width and height that are multiples of 64.',
  ),
  TooManySteps: imageSetting('has too many steps', 'Lower the number of steps.'),
  BadCFGDecimals: imageSetting(
    'has a guidance (CFG) value with too many decimals',
    'Use at most two decimals for CFG.',
  ),
  BadCFGNumber: imageSetting(
    'has a guidance (CFG) value the horde does not accept',
    'Pick a CFG between 0 and 100.',
  ),
  UnsupportedSampler: imageSetting('uses a sampler not supported for it', 'Pick another sampler.'),
  UnsupportedModel: imageSetting('uses a model not supported for it', 'Pick another model.'),
  UnexpectedModelName: {
    title: 'The horde does not know one of the model names in this request.',
    next: 'Pick the model from the list instead of typing its name.',
  },
  InvalidRemixModel: imageSetting('uses a model that cannot remix images', 'Pick another model.'),
  SourceImageRequiredForModel: imageSetting(
    'needs a source image for this model',
    'Add a source image, or pick another model.',
  ),
  InpaintingMissingMask: imageSetting(
    'needs a mask for inpainting',
    'Add a mask, or choose img2img instead.',
  ),
  SourceMaskUnnecessary: imageSetting(
    'has a mask but no source image',
    'Add the source image, or remove the mask.',
  ),
  ControlNetUnsupported: imageSetting('uses ControlNet where it is not supported', 'Turn ControlNet off.'),
  ControlNetSourceMissing: imageSetting('needs a source image for ControlNet', 'Add a source image.'),
  ControlNetInvalidPayload: imageSetting(
    'has ControlNet settings that do not fit together',
    'Check the ControlNet settings.',
  ),
  ControlNetMismatch: imageSetting(
    'has ControlNet settings that do not fit together',
    'Check the ControlNet settings.',
  ),
  HiResFixMismatch: imageSetting('uses hi-res fix where it cannot', 'Turn hi-res fix off.'),
  HiResMismatch: imageSetting('uses hi-res fix where it cannot', 'Turn hi-res fix off.'),
  Img2ImgMismatch: imageSetting(
    'mixes img2img with something it cannot',
    'Remove the source image or the conflicting option.',
  ),
  TilingMismatch: imageSetting('uses tiling where it cannot', 'Turn tiling off.'),
  TooManyUpscalers: imageSetting(
    'has more post-processing steps than allowed',
    'Pick fewer post-processing steps.',
  ),
  TooManyLoras: imageSetting('has more LoRAs than the horde allows', 'Remove some LoRAs.'),
  BadLoraVersion: imageSetting('names a LoRA version the horde cannot find', 'Pick another LoRA version.'),
  TooManyTIs: imageSetting('has more textual inversions than the horde allows', 'Remove some of them.'),
  InvalidExtraSourceImages: imageSetting(
    'has extra images the horde cannot read',
    'Remove the extra images.',
  ),
  TooManyExtraSourceImages: imageSetting('has too many extra images', 'Remove some extra images.'),
  MoreThanMinExtraSourceImage: imageSetting(
    'has too few extra images for this model',
    'Add the images the model needs.',
  ),
  InvalidExtraTexts: imageSetting('has extra texts the horde cannot use', 'Remove the extra texts.'),
  MissingExtraTexts: imageSetting(
    'is missing extra texts this model needs',
    'Add the texts the model needs.',
  ),
  InvalidTransparencyModel: imageSetting(
    'asks for transparency from a model that cannot',
    'Turn transparency off or pick another model.',
  ),
  InvalidTransparencyImg2Img: imageSetting('asks for transparency with img2img', 'Turn transparency off.'),
  InvalidTransparencyCN: imageSetting('asks for transparency with ControlNet', 'Turn transparency off.'),
  ProcGenNotFound: notFound('image'),
  // ── source images ──────────────────────────────────────────────────────
  ImageValidationFailed: {
    title: 'The image could not be read.',
    next: 'Pick a PNG, JPEG or WebP image.',
  },
  SourceImageResolutionExceeded: {
    title: 'The image has more pixels than the horde accepts.',
    next: 'Resize the image (for example to 1024 × 1024 or less) and try again.',
  },
  SourceImageSizeExceeded: {
    title: 'The image file is too large.',
    next: 'Pick a smaller image or resize it first.',
  },
  SourceImageUrlInvalid: {
    title: 'The horde will not fetch the image from that address.',
    next: 'Drop the image file into the form instead of giving an address.',
  },
  SourceImageUnreadable: {
    title: 'The horde could not download the image.',
    next: 'Drop the image file into the form instead of giving an address.',
  },
  PayloadTooLarge: {
    title: 'What you sent is larger than the horde accepts.',
    next: 'Use a smaller image or a shorter prompt.',
  },
  // ── styles (public horde) ──────────────────────────────────────────────
  StylesAnonForbidden: { title: 'The anonymous account cannot use styles.', next: registerFirst },
  StylePromptMissingVars: {
    title: 'The style’s prompt does not say where your prompt goes.',
    next: 'Pick another style.',
  },
  StylesRequiresCustomizer: {
    title: 'Only accounts with the customizer role can create styles.',
    next: 'Use an existing style instead.',
  },
  StyleMismatch: {
    title: 'The style is for another kind of request.',
    next: 'Pick a style made for this kind.',
  },
  StyleGetMistmatch: {
    title: 'The style is for another kind of request.',
    next: 'Pick a style made for this kind.',
  },
  TooManyStyleExamples: { title: 'The style has too many example images.', next: 'Remove some examples.' },
  ExampleURLAlreadyInUse: { title: 'That example image is already used.', next: 'Pick another image.' },
  // ── accounts and keys ──────────────────────────────────────────────────
  InvalidAPIKey: {
    title: 'The horde did not accept your API key.',
    next: 'Check the key in Settings (paste it again), or clear it to use the anonymous key.',
  },
  WrongCredentials: {
    title: 'Your API key is not allowed to do this.',
    next: 'Check that the key in Settings belongs to the account that owns this worker or request.',
  },
  AnonForbidden: { title: 'The anonymous account cannot do this.', next: registerFirst },
  AnonForbiddenWorker: { title: 'Workers cannot run under the anonymous account.', next: registerFirst },
  AnonForbiddenUserMod: { title: 'The anonymous account cannot do this.', next: registerFirst },
  BetaAnonForbidden: { title: 'The anonymous account cannot use this trial feature.', next: registerFirst },
  NotOwner: {
    title: 'This worker belongs to another account.',
    next: 'Use the API key of the account that owns the worker, or give this worker another name in Settings.',
  },
  NotTrusted: {
    title: 'Only trusted accounts can do this on this horde.',
    next: 'Accounts become trusted after completing work for a while; keep earning.',
  },
  RequiresTrust: {
    title: 'Only trusted accounts can do this on this horde.',
    next: 'Accounts become trusted after completing work for a while; keep earning.',
  },
  UntrustedTeamCreation: {
    title: 'Only trusted accounts can create teams.',
    next: 'Keep earning until your account is trusted.',
  },
  UntrustedUnsafeIP: {
    title: 'The horde does not accept workers from this network for untrusted accounts.',
    next: 'Use another network (for example, turn off a VPN), or keep earning until your account is trusted.',
  },
  UnsafeIP: {
    title: 'The horde does not accept work from this network address.',
    next: 'Turn off a VPN or proxy, then try again.',
  },
  TimeoutIP: {
    title: 'The horde has paused requests from this network address for a while.',
    next: 'Wait a few minutes before trying again.',
  },
  TooManyNewIPs: {
    title: 'The horde is refusing new addresses for a moment.',
    next: 'Wait a few minutes and try again.',
  },
  TooManySameIPs: {
    title: 'Too many workers are running from this network address.',
    next: 'Stop a worker on another computer of this network, or ask the horde’s admins for more.',
  },
  WorkerInviteOnly: {
    title: 'This horde accepts new workers by invitation only.',
    next: 'Ask the horde’s admins for an invitation.',
  },
  DeletedUser: {
    title: 'This account has been deleted on the horde.',
    next: 'Register again and enter the new key in Settings.',
  },
  UserNotDeleted: moderatorsOnly,
  CannotWipeActiveUser: moderatorsOnly,
  CannotDeleteMod: moderatorsOnly,
  NotUserOrMod: { title: 'Only the account’s owner can do this.', next: 'Use the API key of that account.' },
  NonServiceForbidden: { title: 'Only service accounts can do this.', next: 'Nothing in this app needs it.' },
  OnlyServiceAccountProxy: {
    title: 'Only service accounts can send requests for others.',
    next: 'Nothing in this app needs it.',
  },
  BadClientAgent: {
    title: 'The horde did not accept this app’s identification.',
    next: 'Update Horde Desktop to the latest version.',
  },
  NotAdmin: moderatorsOnly,
  NotModerator: moderatorsOnly,
  NotPrivileged: moderatorsOnly,
  NoWorkerModSelected: moderatorsOnly,
  NoUserModSelected: moderatorsOnly,
  NoHordeModSelected: moderatorsOnly,
  NoTeamModSelected: moderatorsOnly,
  NoFilterModSelected: moderatorsOnly,
  NoSharedKeyModSelected: moderatorsOnly,
  MessagesOnlyOwnWorkers: {
    title: 'You can only message your own workers.',
    next: 'Pick one of your workers.',
  },
  SpecialMissingPayload: moderatorsOnly,
  SpecialForbidden: moderatorsOnly,
  SpecialMissingUsername: moderatorsOnly,
  SpecialModelNeedsSpecialUser: {
    title: 'This model is reserved for special accounts on the horde.',
    next: 'Pick another model.',
  },
  SpecialFieldNeedsSpecialUser: {
    title: 'An option in this request is reserved for special accounts.',
    next: 'Turn the option off and try again.',
  },
  // ── names ──────────────────────────────────────────────────────────────
  NameAlreadyExists: { title: 'That name is already taken on the horde.', next: 'Pick another name.' },
  WorkerNameAlreadyExists: {
    title: 'Another account already has a worker with this name.',
    next: 'Give your worker another name in Settings.',
  },
  TeamNameAlreadyExists: { title: 'That team name is already taken.', next: 'Pick another name.' },
  PolymorphicNameConflict: {
    title: 'A worker of another kind already uses this name.',
    next: 'Give your worker another name in Settings.',
  },
  // ── shared keys (public horde) ─────────────────────────────────────────
  SharedKeyInvalid: sharedKey('is not valid'),
  SharedKeyEmpty: sharedKey('has no kudos left'),
  SharedKeyExpired: sharedKey('has expired'),
  SharedKeyInsufficientKudos: sharedKey('does not have enough kudos for this request'),
  SharedKeyAssignedStyles: sharedKey('cannot be used with styles'),
  // ── kudos ──────────────────────────────────────────────────────────────
  KudosUpfront: {
    title: 'This request costs more kudos than you have available and is too big to run for free.',
    next: 'Lower max length so it runs free, or earn the kudos it needs up front by letting the worker run.',
  },
  KudosValidationError: {
    title: 'The horde refused this kudos amount.',
    next: 'Check the amount and try again.',
  },
  KudosTransferNotEnough: {
    title: 'You do not have enough available kudos for this transfer.',
    next: 'Lower the amount; kudos held for your waiting requests cannot be sent.',
  },
  KudosTransferToAnon: {
    title: 'Kudos cannot be sent to the anonymous account.',
    next: 'Enter the username of a registered user, like alias#123.',
  },
  KudosTransferToSelf: {
    title: 'You cannot send kudos to yourself.',
    next: 'Enter another user’s username.',
  },
  KudosTransferFromAnon: {
    title: 'The anonymous account cannot send kudos.',
    next: 'Enter your API key in Settings first.',
  },
  NegativeKudosTransfer: {
    title: 'The amount must be more than zero.',
    next: 'Enter a positive number of kudos.',
  },
  InvalidKudosTransferAmount: {
    title: 'That amount of kudos cannot be transferred.',
    next: 'Enter a positive amount with at most two decimals.',
  },
  InvalidTargetUsername: {
    title: 'No user has that username.',
    next: 'Usernames look like alias#123: check the spelling and the number.',
  },
  InvalidAwardUsername: {
    title: 'No user has that username.',
    next: 'Usernames look like alias#123: check the spelling and the number.',
  },
  KudosAwardToAnon: {
    title: 'Kudos cannot be awarded to the anonymous account.',
    next: 'Pick a registered user.',
  },
  NotAllowedAwards: moderatorsOnly,
  KudosCapExceeded: {
    title: 'The receiving account already holds as many kudos as this horde lets one user keep.',
    next: 'Send less (the message says how much room is left), or send to someone else.',
  },
  TargetAccountFlagged: {
    title: 'The horde has flagged the receiving account, so it cannot receive kudos now.',
    next: 'Ask the recipient to contact the horde’s admins.',
  },
  SourceAccountFlagged: {
    title: 'The horde has flagged your account, so it cannot send kudos now.',
    next: 'Contact the horde’s admins to have the flag reviewed.',
  },
  FaultWhenKudosReceiving: {
    title: 'The receiving account cannot take kudos right now.',
    next: 'Try again later.',
  },
  FaultWhenKudosSending: { title: 'Your account cannot send kudos right now.', next: 'Try again later.' },
  TooFastKudosTransfers: {
    title: 'Kudos transfers are limited to a few per minute.',
    next: 'Wait a minute before sending again.',
  },
  EducationCannotSendKudos: {
    title: 'Education accounts cannot send kudos.',
    next: 'Use a personal account to send kudos.',
  },
  InvalidPriorityUsername: {
    title: 'One of the usernames given priority does not exist.',
    next: 'Usernames look like alias#123: check them.',
  },
  IdempotencyKeyConflict: {
    title: 'This transfer was already sent with different details.',
    next: 'Check the Ledger: the first transfer went through. Send a new one if you meant to.',
  },
  // ── requests and jobs ──────────────────────────────────────────────────
  InvalidJobID: {
    title: 'The horde no longer knows this job.',
    next: 'It took too long and was handed to another worker; the next job will work.',
  },
  RequestNotFound: {
    title: 'The horde no longer knows this request.',
    next: 'It may have expired (requests last 20 minutes); submit it again.',
  },
  RequestExpired: {
    title: 'The request expired before it finished.',
    next: 'Submit it again; its hold on your kudos was released.',
  },
  DuplicateGen: {
    title: 'This result was already delivered.',
    next: 'Nothing to do: the horde counted it once.',
  },
  AbortedGen: {
    title: 'The horde had already given up on this job, so the result was not accepted.',
    next: 'Jobs must finish within the horde’s time limit; the worker offers less from now on.',
  },
  TooManyPrompts: {
    title: 'You already have as many requests waiting as the horde allows.',
    next: 'Wait for one to finish or cancel one, then try again.',
  },
  NoValidWorkers: {
    title: 'No worker can serve this request right now.',
    next: 'Pick another model, lower max length / context, or start your own worker on the Earn screen.',
  },
  TooManyWorkers: {
    title: 'Your account runs as many workers as the horde allows a new (untrusted) user.',
    next: 'Use one of your existing worker names, or wait until the horde trusts your account.',
  },
  TooManyWorkersTrusted: {
    title: 'Your account runs as many workers as the horde allows.',
    next: 'Use one of your existing worker names, or ask the horde’s admin for more.',
  },
  WorkerMaintenance: {
    title: 'Your worker is in maintenance mode, so the horde sends it no jobs.',
    next: 'Press "Leave maintenance" on the Earn screen once the cause is fixed.',
  },
  WorkerFlaggedMaintenance: {
    title: 'The horde’s moderators put your worker in maintenance.',
    next: 'Contact the horde’s admins to learn why.',
  },
  WorkerNotFound: notFound('worker'),
  TeamNotFound: notFound('team'),
  FilterNotFound: notFound('filter'),
  UserNotFound: {
    title: 'No user has that username.',
    next: 'Usernames look like alias#123: check the spelling and the number.',
  },
  NotFound: {
    title: 'The horde does not have what was asked for.',
    next: 'It may have expired; reload the screen.',
  },
  // ── image ratings (public horde) ───────────────────────────────────────
  InvalidAestheticAttempt: ratings,
  AestheticsNotCompleted: ratings,
  AestheticsNotPublic: ratings,
  AestheticsDuplicate: ratings,
  AestheticsMissing: ratings,
  AestheticsSolo: ratings,
  AestheticsConfused: ratings,
  AestheticsAlreadyExist: ratings,
  AestheticsServerRejected: ratings,
  AestheticsServerError: ratings,
  AestheticsServerDown: ratings,
  AestheticsServerTimeout: ratings,
  BetaComparisonFault: ratings,
  // ── the horde itself ───────────────────────────────────────────────────
  MaintenanceMode: { title: 'The horde is in maintenance.', next: 'Try again in a few minutes.' },
  Locked: { title: 'The horde is busy with this item right now.', next: waitAndRetry },
  TooManyRequests: { title: 'Too many requests in a short time.', next: 'Wait a few seconds and try again.' },
  BadRequest: {
    title: 'The horde refused this request.',
    next: 'Check the values in the form; "Details" shows what the horde said.',
  },
  Forbidden: {
    title: 'This is not allowed here.',
    next: 'If this is the app’s own page, open the address the app gave you, from this computer.',
  },
  RequestTimeout: {
    title: 'The request took too long to arrive at the horde.',
    next: 'Check your network and try again.',
  },
  RequestUriTooLong: {
    title: 'The address sent to the horde was too long.',
    next: 'Shorten what you typed (for example the model name) and try again.',
  },
  RequestHeaderFieldsTooLarge: {
    title: 'What the app sent to the horde was too large.',
    next: 'Check that the API key in Settings is the one the horde gave you, then try again.',
  },
  InternalServerError: { title: 'The horde had an internal error.', next: waitAndRetry },
  InsufficientStorage: {
    title: 'The horde’s disk is full, so it saved nothing of this.',
    next: 'If the horde runs in this app, free some space on the disk that holds the app’s data folder (Details names it), then try again; on another horde, tell its owner.',
  },
  HordeError: { title: 'The horde had an internal error.', next: waitAndRetry },
  HordeUnreachable: {
    title: 'The horde could not be reached.',
    next: 'Check your network (or the horde address in Settings), then try again.',
  },
  BadHordeAnswer: {
    title: 'The horde sent an answer this app does not understand.',
    next: 'Check that the horde address in Settings is an AI Horde; if it is, update the app.',
  },
  // ── the app ────────────────────────────────────────────────────────────
  AppUnreachable: {
    title: 'The app is not answering.',
    next: 'Check that Horde Desktop is still running, then reload this page.',
  },
  NoWorker: {
    title: 'No worker runs in this copy of the app.',
    next: 'Start Horde Desktop with its worker on (the default) to earn kudos here.',
  },
  WorkerStarting: { title: 'The worker is still starting.', next: 'Wait a few seconds and try again.' },
  WorkerError: { title: 'The worker could not do this.', next: waitAndRetry },
  BadArgument: {
    title: 'The app did not accept a value from this form.',
    next: 'Check the highlighted fields; "Details" names the value.',
  },
  Unauthorized: {
    title: 'This page is not allowed to talk to the app.',
    next: 'Open the address the app gave you, including its token, or restart the app.',
  },
  UnknownChannel: {
    title: 'This page is from another version of the app.',
    next: 'Reload the page.',
  },
  InviteInvalid: {
    title: 'This invite cannot be used: it is unknown, used already, expired or withdrawn.',
    next: 'Check the code, or ask the horde’s owner for a new invite.',
  },
  InviteRequired: {
    title: 'Joining this horde needs an invite from its owner.',
    next: 'Ask the owner for an invite and type its code here.',
  },
  JoinClosed: { title: 'This horde takes no new members now.', next: 'Ask its owner.' },
  NotHordeOwner: {
    title: 'Only the app that runs this horde can manage it.',
    next: 'Open Horde Desktop on the horde’s own computer, or switch this app back to its own horde in Settings.',
  },
  NotSharing: {
    title: 'This horde is not shared on the network yet.',
    next: 'Turn on sharing in the Club screen; if it is on already, pick another port there.',
  },
  HordePinned: {
    title: 'This copy of the app was started on a horde named on its command line, so it stays there.',
    next: 'Start it again without a horde address on its command line to join a club or switch horde.',
  },
  PortInUse: {
    title: 'Another program on this computer uses that port.',
    next: 'Pick another port between 1024 and 65535.',
  },
  BackupFailed: {
    title: 'The backup could not be made or put back.',
    next: 'Check that the data folder has free space, then try again.',
  },
  Internal: {
    title: 'Something went wrong inside the app.',
    next: 'Try again; if it keeps happening, restart the app.',
  },
};

/** Whether `rc` is one the window has words for. */
export function isExplainedRc(rc: string): rc is ExplainedRc {
  return Object.hasOwn(RC_MESSAGES, rc);
}

/**
 * Words that belong in a developer's log, not in a headline: API paths, shell commands, stack
 * frames, file paths, exception class names. A message with any of them goes behind "Details".
 */
const DEVELOPER_WORDS = [
  /\/v\d\//, // an API path such as /v2/generate/text/pop
  /\bnpm\s|\bnpx\s|\btsx\s|\s--[a-z]/, // a shell command or a flag
  /`/, // markdown code, usually a command
  /\n\s*at\s|\bat\s+\S+\s+\(.*:\d+:\d+\)/, // a stack frame
  /\b[\w-]+\.(ts|js|mjs|cjs|py):\d+/, // a source location
  /\b(TypeError|ReferenceError|SyntaxError|ZodError|SqliteError|ECONNREFUSED|ENOTFOUND|EACCES)\b/,
  /\bHTTP \d{3}\b/,
];

export function hasDeveloperWords(text: string): boolean {
  return DEVELOPER_WORDS.some((re) => re.test(text));
}
