import { render, screen, waitFor, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { emitSettingsChanged, fail, mockBackend } from '../lib/ipc/testing';
import { settings } from '../lib/settings.svelte';
import Settings from './Settings.svelte';

const disconnects: (() => void)[] = [];
afterEach(() => disconnects.splice(0).forEach((disconnect) => disconnect()));

/** Renders the screen the way the app shell does: settings loaded, and followed. */
function renderConnected(): void {
  render(Settings);
  disconnects.push(settings.connect());
}

describe('Settings', () => {
  it('changes the default region through the backend', async () => {
    const backend = mockBackend();
    renderConnected();
    const region = await screen.findByRole('combobox', {
      name: 'Default region for phone numbers',
    });
    expect(region).toHaveValue('HK');
    await userEvent.selectOptions(region, 'MO');
    expect(backend.callsTo('set_region')).toEqual([{ cmd: 'set_region', args: { region: 'MO' } }]);
    await waitFor(() => expect(settings.current?.region).toBe('MO'));
  });

  it('saves the clipboard shortcut, and explains a refused one', async () => {
    const backend = mockBackend();
    renderConnected();
    const input = await screen.findByRole('textbox', { name: '“Check clipboard” shortcut' });
    expect(input).toHaveValue('CmdOrCtrl+Alt+K');
    await userEvent.clear(input);
    await userEvent.type(input, 'Ctrl+Shift+9');
    await userEvent.click(screen.getByRole('button', { name: 'Save shortcut' }));
    expect(backend.callsTo('set_check_shortcut')).toEqual([
      { cmd: 'set_check_shortcut', args: { shortcut: 'Ctrl+Shift+9' } },
    ]);
    expect(await screen.findByText('Shortcut saved.')).toBeInTheDocument();

    backend.on('set_check_shortcut', () =>
      fail({
        code: 'invalid_input',
        message: 'not a keyboard shortcut "Ctrl+Banana"',
        reason: 'shortcut_invalid',
      }),
    );
    await userEvent.clear(input);
    await userEvent.type(input, 'Ctrl+Banana');
    await userEvent.click(screen.getByRole('button', { name: 'Save shortcut' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This setting could not be saved.');
    expect(alert).toHaveTextContent(
      '“\u2068Ctrl+Banana\u2069” is not a shortcut Verity understands.',
    );
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription(/is not a shortcut Verity understands/);
  });

  it('says when the desktop refuses a shortcut another program holds', async () => {
    const backend = mockBackend();
    backend.on('set_check_shortcut', () =>
      fail({
        code: 'invalid_input',
        message: 'cannot use Ctrl+Alt+T: AlreadyRegistered',
        reason: 'shortcut_refused',
      }),
    );
    renderConnected();
    const input = await screen.findByRole('textbox', { name: '“Check clipboard” shortcut' });
    await userEvent.clear(input);
    await userEvent.type(input, ' Ctrl+Alt+T ');
    await userEvent.click(screen.getByRole('button', { name: 'Save shortcut' }));
    expect(backend.callsTo('set_check_shortcut')).toEqual([
      { cmd: 'set_check_shortcut', args: { shortcut: 'Ctrl+Alt+T' } },
    ]);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'Your desktop did not let Verity use \u2068Ctrl+Alt+T\u2069: another program may already use it.',
    );
    expect(settings.current?.checkShortcut).toBe('CmdOrCtrl+Alt+K');
  });

  it('says when the saved shortcut was taken by another program before Verity started', async () => {
    const backend = mockBackend();
    backend.shortcutRefused = 'CmdOrCtrl+Alt+K';
    renderConnected();
    const input = await screen.findByRole('textbox', { name: '“Check clipboard” shortcut' });
    const notice = await screen.findByRole('alert');
    expect(notice).toHaveTextContent('The shortcut is not working');
    expect(notice).toHaveTextContent(
      'Another program was already using \u2068CmdOrCtrl+Alt+K\u2069 when Verity started',
    );
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription(/pressing it does nothing/);
    // Saving another shortcut puts it in force: the notice goes.
    await userEvent.clear(input);
    await userEvent.type(input, 'Ctrl+Shift+9');
    await userEvent.click(screen.getByRole('button', { name: 'Save shortcut' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(input).not.toHaveAttribute('aria-invalid');
  });

  it('loads the stored settings', async () => {
    mockBackend({ language: 'en', startAtLogin: true });
    renderConnected();
    const language = await screen.findByRole('combobox', { name: 'Language' });
    expect(language).toHaveValue('en');
    expect(screen.getByRole('switch', { name: 'Start Verity when you sign in' })).toBeChecked();
    expect(
      within(language)
        .getAllByRole('option')
        .map((o) => o.textContent?.trim()),
    ).toEqual(['English', '繁體中文（香港）', '简体中文', 'العربية']);
  });

  it('changes the language through the backend and lays Arabic out right to left', async () => {
    const backend = mockBackend();
    renderConnected();
    await userEvent.selectOptions(await screen.findByRole('combobox', { name: 'Language' }), 'ar');

    expect(backend.callsTo('set_language')).toEqual([
      { cmd: 'set_language', args: { language: 'ar' } },
    ]);
    await waitFor(() => expect(document.documentElement).toHaveAttribute('dir', 'rtl'));
    expect(document.documentElement).toHaveAttribute('lang', 'ar');
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent('الإعدادات');
    expect(screen.getByRole('combobox', { name: 'اللغة' })).toHaveValue('ar');
  });

  it('keeps the stored language when the backend refuses the change', async () => {
    const backend = mockBackend();
    backend.on('set_language', () => fail({ code: 'store_busy', message: 'database is locked' }));
    renderConnected();
    const select = await screen.findByRole('combobox', { name: 'Language' });
    await userEvent.selectOptions(select, 'zh-CN');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This setting could not be saved.');
    expect(alert).toHaveTextContent("Verity's database is busy.");
    expect(select).toHaveValue('en');
    expect(document.documentElement).toHaveAttribute('dir', 'ltr');
  });

  it('toggles start at login through the backend', async () => {
    const backend = mockBackend();
    renderConnected();
    const toggle = await screen.findByRole('switch', { name: 'Start Verity when you sign in' });
    expect(toggle).not.toBeChecked();

    await userEvent.click(toggle);
    await waitFor(() => expect(settings.current?.startAtLogin).toBe(true));
    expect(toggle).toBeChecked();
    expect(backend.callsTo('set_start_at_login')).toEqual([
      { cmd: 'set_start_at_login', args: { enabled: true } },
    ]);

    await userEvent.click(toggle);
    await waitFor(() => expect(settings.current?.startAtLogin).toBe(false));
    expect(toggle).not.toBeChecked();
  });

  it('reverts the switch and explains an autostart failure', async () => {
    const backend = mockBackend();
    backend.on('set_start_at_login', () => fail({ code: 'autostart', message: 'no login items' }));
    renderConnected();
    const toggle = await screen.findByRole('switch', { name: 'Start Verity when you sign in' });
    await userEvent.click(toggle);
    expect(await screen.findByRole('alert')).toHaveTextContent(
      "Verity could not change your system's login items.",
    );
    expect(toggle).not.toBeChecked();
  });

  it('follows changes made elsewhere (settings-changed)', async () => {
    mockBackend();
    renderConnected();
    await screen.findByRole('combobox', { name: 'Language' });
    await waitFor(() => expect(settings.current).not.toBeNull());
    await emitSettingsChanged({
      language: 'zh-HK',
      startAtLogin: true,
      region: 'HK',
      checkShortcut: 'CmdOrCtrl+Alt+K',
    });

    expect(await screen.findByRole('combobox', { name: '語言' })).toHaveValue('zh-HK');
    expect(screen.getAllByRole('switch')[0]).toBeChecked();
    expect(document.documentElement).toHaveAttribute('lang', 'zh-HK');
  });

  it('holds the warning-sign settings after the general ones', async () => {
    mockBackend();
    renderConnected();
    const section = await screen.findByRole('region', { name: 'Warning signs' });
    expect(
      within(section).getByRole('switch', { name: 'Warn me when remote-access software starts' }),
    ).toBeChecked();
    expect(screen.getAllByRole('switch')[0]).toHaveAccessibleName('Start Verity when you sign in');
  });

  it('words a load failure by its code', async () => {
    const backend = mockBackend();
    backend.on('get_settings', () => fail('get_settings not allowed'));
    renderConnected();
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Your settings could not be loaded.');
    expect(alert).toHaveTextContent('Something went wrong inside Verity.');
  });
});
