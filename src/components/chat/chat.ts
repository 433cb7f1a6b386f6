import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { VcChatMessageEvent, VcChatSendRequestEvent, VcChatToggleEvent } from '../../events/chat.js';
import { saveBlob } from '../../internal/save-blob.js';
import { VcSessionElement } from '../../internal/session-element.js';
import { VcElement } from '../../internal/vc-element.js';
import type { AttachmentFetcher, ChatAttachment, ChatController, ChatMessage, Uploader } from '../../session/chat.js';
import { ATTACHMENT_TYPES, DEFAULT_MAX_LENGTH, UploadError } from '../../session/chat.js';
import { followCollaboration, type Collaboration } from '../../session/collaboration.js';
import { downloadName, isAttachmentType } from '../../session/download-name.js';
import { markedRole, type MarkedRole } from '../../session/roles.js';
import { chatStyles } from './chat.styles.js';
import { splitLinks } from './links.js';

/**
 * The consultation chat. Everything a participant sends (names included) is shown as typed text; links are
 * clickable but never fetched or previewed. Shared images are fetched with the participant's own token
 * through `fetchAttachment` and shown from a local blob URL.
 *
 * The conversation is the session's (found by `.session`, `session="id"` naming a `<vc-consultation>`, or
 * the context of an enclosing one): it starts when the call connects, with file sharing through the
 * consultation's `server-url` authorised by the participant's own LiveKit grant. A `ChatController` set on
 * `.chat` (with `.uploader` / `.fetchAttachment`) takes precedence.
 *
 * @fires vc-chat-send-request - Cancelable, before a message is sent; `detail: { text, attachment? }`.
 * @fires vc-chat-message - A message from someone else arrived; `detail: { message }`.
 * @fires vc-chat-toggle - The user collapsed or expanded the chat; `detail: { collapsed }`.
 * @fires vc-error - An upload or download failed (`upload_failed`, `download_failed`).
 * @csspart base - The wrapper.
 * @csspart header - The title row with the collapse toggle.
 * @csspart toggle - The collapse/expand button.
 * @csspart badge - The unread count.
 * @csspart log - The message list.
 * @csspart message - One message.
 * @csspart name - A sender's name.
 * @csspart role - The role mark next to a name (practitioner, interpreter, relative): from the server-set role attribute, never from the name.
 * @csspart time - A message's time.
 * @csspart text - A message's text.
 * @csspart attachment - A shared file.
 * @csspart input - The message field.
 * @csspart counter - The character counter.
 * @csspart send-button - The send button.
 * @csspart attach-button - The attach button.
 * @cssprop --vc-chat-background - Background (default `--vc-color-surface`).
 * @cssprop --vc-chat-own-background - Background of one's own messages (default `--vc-color-surface-raised`).
 * @cssprop --vc-chat-gap - Space between messages (default `--vc-space-s`).
 * @cssprop --vc-chat-padding - Inner spacing (default `--vc-space-m`).
 * @cssprop --vc-chat-radius - Corner radius (default `--vc-radius-m`).
 * @cssprop --vc-chat-badge-background - Unread badge background (default `--vc-color-danger`).
 * @cssprop --vc-chat-badge-color - Unread badge text (default `--vc-color-on-danger`).
 */
export class VcChat extends VcSessionElement {
  static override styles = [...VcElement.styles, chatStyles];

  /** A conversation set by hand; otherwise the session's. */
  @property({ attribute: false }) chat?: ChatController;
  /** Uploads a file to the token server; without it the attach button is hidden. */
  @property({ attribute: false }) uploader?: Uploader;
  /** Fetches a shared file with the participant's token (image previews, downloads). */
  @property({ attribute: false }) fetchAttachment?: AttachmentFetcher;
  /** Collapsed to its header; new messages then count as unread. */
  @property({ type: Boolean, reflect: true }) collapsed = false;

  @state() private messages: readonly ChatMessage[] = [];
  @state() private draft = '';
  @state() private unread = 0;
  @state() private uploading = false;
  @state() private error = '';
  @state() private previews = new Map<string, string>();

  @query('textarea') private input?: HTMLTextAreaElement;
  @query('.log') private log?: HTMLElement;
  @query('input[type=file]') private fileInput?: HTMLInputElement;

  private collaboration?: Collaboration;
  private attachedTo?: ChatController;
  private readonly onCollaborationChange = () => this.requestUpdate();
  private unsubscribe?: () => void;
  private seen = new Set<string>();
  private readonly requested = new Set<string>();
  private stickToBottom = true;

  /** Number of messages from others that arrived while collapsed. */
  get unreadCount(): number {
    return this.unread;
  }

  private get maxLength(): number {
    return this.activeChat?.maxLength ?? DEFAULT_MAX_LENGTH;
  }

  /** The conversation shown: `.chat`, else the session's. */
  private get activeChat(): ChatController | undefined {
    // A host page may assign anything to `.chat`: only something with subscribe() is a conversation.
    const chat = typeof (this.chat as Partial<ChatController> | undefined)?.subscribe === 'function' ? this.chat : undefined;
    return chat ?? this.collaboration?.chat;
  }

  private get activeUploader(): Uploader | undefined {
    if (this.uploader) return this.uploader;
    return this.collaboration?.canShareFiles ? this.collaboration.upload : undefined;
  }

  private get activeFetcher(): AttachmentFetcher | undefined {
    return this.fetchAttachment ?? this.collaboration?.fetchAttachment;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.attach();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.collaboration?.removeEventListener('change', this.onCollaborationChange);
    this.collaboration = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.attachedTo = undefined;
    for (const url of this.previews.values()) URL.revokeObjectURL(url);
    this.previews = new Map();
    this.requested.clear();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    this.collaboration = followCollaboration(this.collaboration, this.sessions.session, this.onCollaborationChange);
    if (this.activeChat !== this.attachedTo && this.isConnected) this.attach();
    if (changed.has('collapsed') && !this.collapsed) this.unread = 0;
  }

  override updated(changed: PropertyValues<this>): void {
    if (changed.has('messages' as keyof VcChat) && this.log && this.stickToBottom) this.log.scrollTop = this.log.scrollHeight;
    for (const message of this.messages) {
      const attachment = message.attachment;
      if (attachment?.type.startsWith('image/') && !this.requested.has(attachment.id)) void this.loadPreview(attachment);
    }
  }

  /** Focuses the message field. */
  override focus(): void {
    this.input?.focus();
  }

  private attach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const chat = this.activeChat;
    this.attachedTo = chat;
    if (!chat) {
      this.messages = [];
      return;
    }
    let first = true;
    this.unsubscribe = chat.subscribe((messages) => {
      const fresh = messages.filter((m) => !this.seen.has(m.id));
      for (const m of fresh) this.seen.add(m.id);
      if (!first) {
        const fromOthers = fresh.filter((m) => !m.local);
        if (this.collapsed) this.unread += fromOthers.length;
        for (const message of fromOthers) this.dispatchEvent(new VcChatMessageEvent({ message }));
      }
      first = false;
      const log = this.log;
      this.stickToBottom = !log || log.scrollHeight - log.scrollTop - log.clientHeight < 48;
      this.messages = messages;
    });
  }

  private async loadPreview(attachment: ChatAttachment): Promise<void> {
    const fetcher = this.activeFetcher;
    if (!fetcher) return;
    this.requested.add(attachment.id);
    try {
      const blob = await fetcher(attachment);
      if (!this.isConnected) return;
      this.previews = new Map(this.previews).set(attachment.id, URL.createObjectURL(blob));
    } catch (error) {
      this.emitError('download_failed', `Could not load ${attachment.name}: ${String(error)}`);
    }
  }

  private async download(attachment: ChatAttachment): Promise<void> {
    const fetcher = this.activeFetcher;
    if (!fetcher) return;
    try {
      const blob = await fetcher(attachment);
      // The server's name and sniffed type (a File from our fetcher); never the name from the message.
      saveBlob(
        blob,
        blob instanceof File && blob.name
          ? blob.name
          : downloadName(null, isAttachmentType(blob.type) ? blob.type : attachment.type, 'attachment'),
      );
    } catch (error) {
      this.emitError('download_failed', `Could not download ${attachment.name}: ${String(error)}`);
    }
  }

  private onInput(event: Event): void {
    this.draft = (event.target as HTMLTextAreaElement).value;
    this.error = '';
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    void this.submit();
  }

  private get length(): number {
    return [...this.draft].length;
  }

  /** Sends the current draft (the send button and Enter do this). Resolves once sent or refused. */
  async submit(attachment?: ChatAttachment): Promise<void> {
    const chat = this.activeChat;
    const text = this.draft;
    if (!chat) {
      this.error = this.localize.t('chat.notConnected');
      return;
    }
    if (this.length > this.maxLength) return;
    if (!text.trim() && !attachment) return;
    const request = new VcChatSendRequestEvent({ text, ...(attachment ? { attachment } : {}) });
    if (!this.dispatchEvent(request)) return;
    this.draft = '';
    this.stickToBottom = true;
    try {
      await chat.send(text, attachment);
    } catch {
      // Shown on the message itself ("Not sent").
    }
  }

  private async onFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    const uploader = this.activeUploader;
    if (!file || !uploader) return;
    if (!ATTACHMENT_TYPES.includes(file.type as ChatAttachment['type'])) {
      this.error = this.localize.t('chat.uploadFailed', { reason: this.localize.t('chat.wrongType') });
      return;
    }
    this.uploading = true;
    this.error = '';
    try {
      const attachment = await uploader(file);
      await this.submit(attachment);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const shown =
        error instanceof UploadError && error.status === 413
          ? this.localize.t('chat.tooLarge', { max: 10 })
          : error instanceof UploadError && error.status === 415
            ? this.localize.t('chat.wrongType')
            : reason;
      this.error = this.localize.t('chat.uploadFailed', { reason: shown });
      this.emitError('upload_failed', reason);
    } finally {
      this.uploading = false;
    }
  }

  private toggle(): void {
    this.collapsed = !this.collapsed;
    this.dispatchEvent(new VcChatToggleEvent({ collapsed: this.collapsed }));
  }

  private renderText(text: string): TemplateResult[] {
    return splitLinks(text).map((piece) =>
      piece.url === undefined
        ? html`${piece.text}`
        : html`<a href=${piece.url} target="_blank" rel="noopener noreferrer nofollow" referrerpolicy="no-referrer">${piece.url}</a>`,
    );
  }

  private renderAttachment(attachment: ChatAttachment): TemplateResult {
    const preview = this.previews.get(attachment.id);
    return html`<div class="attachment" part="attachment">
      ${
        attachment.type.startsWith('image/') && preview
          ? html`<img src=${preview} alt=${this.localize.t('chat.imageAlt', { name: attachment.name })} />`
          : nothing
      }
      <button class="button" type="button" @click=${() => this.download(attachment)} ?disabled=${!this.activeFetcher}>
        ${this.localize.t('chat.download', { name: attachment.name })}
      </button>
    </div>`;
  }

  /** From the sender's server-set role attribute (by the identity the transport vouched for), never from the name. */
  private senderRole(message: ChatMessage): MarkedRole | undefined {
    if (message.local) return undefined;
    return markedRole(this.sessions.snapshot?.participants.find((p) => p.identity === message.from)?.role);
  }

  private renderMessage(message: ChatMessage, time: Intl.DateTimeFormat): TemplateResult {
    const classes = ['message', message.local ? 'own' : '', message.history ? 'history' : '', message.failed ? 'failed' : '']
      .filter(Boolean)
      .join(' ');
    const role = this.senderRole(message);
    return html`<li class=${classes} part="message" data-id=${message.id} data-role=${role ?? nothing}>
      <div class="meta">
        <span class="name" part="name">${message.local ? this.localize.t('chat.you') : message.name}</span>
        ${role ? html`<span class="role" part="role">${this.localize.t(`role.${role}`)}</span>` : nothing}
        <time part="time" datetime=${new Date(message.at).toISOString()}>${time.format(message.at)}</time>
        ${message.failed ? html`<span class="error">${this.localize.t('chat.failed')}</span>` : nothing}
      </div>
      ${message.text ? html`<p class="text" part="text">${this.renderText(message.text)}</p>` : nothing}
      ${message.attachment ? this.renderAttachment(message.attachment) : nothing}
    </li>`;
  }

  override render(): TemplateResult {
    const time = new Intl.DateTimeFormat(this.localize.locale, { hour: '2-digit', minute: '2-digit' });
    const over = this.length - this.maxLength;
    const history = this.messages.filter((m) => m.history);
    const current = this.messages.filter((m) => !m.history);
    const chat = this.activeChat;
    const uploader = this.activeUploader;
    return html`<section class="base" part="base" aria-labelledby="title">
      <div class="header" part="header">
        <button class="button toggle" part="toggle" type="button" aria-expanded=${String(!this.collapsed)} aria-controls="body" @click=${this.toggle}>
          <span id="title">${this.localize.t('chat.title')}</span>
          ${
            this.unread > 0
              ? html`<span class="badge" part="badge">${this.localize.t('chat.unread', { count: this.unread })}</span>`
              : nothing
          }
        </button>
      </div>
      <div id="body" ?hidden=${this.collapsed}>
        <div class="log" part="log" role="log" aria-live="polite" aria-label=${this.localize.t('chat.log')} tabindex="0">
          <ol class="list">
            ${history.length > 0 ? html`<li class="divider">${this.localize.t('chat.history')}</li>` : nothing}
            ${history.map((m) => this.renderMessage(m, time))}
            ${current.map((m) => this.renderMessage(m, time))}
          </ol>
        </div>
        <form class="composer" @submit=${(e: Event) => (e.preventDefault(), void this.submit())}>
          <label for="input" class="visually-hidden">${this.localize.t('chat.input')}</label>
          <textarea
            id="input"
            part="input"
            rows="2"
            .value=${live(this.draft)}
            placeholder=${this.localize.t('chat.placeholder')}
            aria-describedby="counter"
            aria-invalid=${over > 0 ? 'true' : 'false'}
            ?disabled=${!chat}
            @input=${this.onInput}
            @keydown=${this.onKeyDown}
          ></textarea>
          <div class="actions">
            ${
              uploader
                ? html`<input type="file" hidden accept=${ATTACHMENT_TYPES.join(',')} @change=${this.onFile} />
                  <button
                    class="button"
                    part="attach-button"
                    type="button"
                    aria-label=${this.localize.t('chat.attach')}
                    title=${this.localize.t('chat.attach')}
                    ?disabled=${this.uploading || !chat}
                    @click=${() => this.fileInput?.click()}
                  >
                    <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2">
                      <path d="M21 11l-8.5 8.5a5 5 0 01-7-7L14 4a3.5 3.5 0 015 5l-8.5 8.5a2 2 0 01-3-3L15 7" />
                    </svg>
                  </button>`
                : nothing
            }
            <button class="button primary" part="send-button" type="submit" ?disabled=${!chat || over > 0 || !this.draft.trim()}>
              ${this.localize.t('chat.send')}
            </button>
          </div>
          <div class="status">
            <span class="error" role="alert">${over > 0 ? this.localize.t('chat.tooLong', { over }) : this.error}${this.uploading ? this.localize.t('chat.uploading') : ''}</span>
            <span id="counter" class="counter ${over > 0 ? 'over' : ''}" part="counter"
              ><span aria-hidden="true">${this.length}/${this.maxLength}</span
              ><span class="visually-hidden">${this.localize.t('chat.counter', { count: this.length, max: this.maxLength })}</span></span
            >
          </div>
        </form>
      </div>
    </section>`;
  }
}

VcChat.define('vc-chat');

declare global {
  interface HTMLElementTagNameMap {
    'vc-chat': VcChat;
  }
}
